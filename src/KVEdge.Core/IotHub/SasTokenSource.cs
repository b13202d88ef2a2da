namespace KVEdge.Core.IotHub;

/// <summary>
/// A SAS token with a short life, made again before it expires (the service SDK's tokens live 20 minutes:
/// Azure/azure-iot-sdk-csharp main, IotHubConnectionString.cs) and at once after the service refused it (401: expired, or
/// the clocks disagree), so a long fleet operation never sends one that is about to lapse.
/// </summary>
public sealed class SasTokenSource(string resource, string keyBase64, string? policyName, TimeProvider time) : IHubCredential
{
    private readonly Lock _gate = new();
    private string? _token;
    private DateTimeOffset _expiry;

    public TimeSpan Lifetime { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>How long before its expiry a token is replaced: a request in flight must not outlive it.</summary>
    public TimeSpan RenewBefore { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The token to send now.</summary>
    public string Current
    {
        get
        {
            lock (_gate)
            {
                var now = time.GetUtcNow();
                if (_token is null || now >= _expiry - RenewBefore)
                {
                    // Whole seconds: `se` is in seconds, and the expiry kept must be the one signed.
                    _expiry = DateTimeOffset.FromUnixTimeSeconds((now + Lifetime).ToUnixTimeSeconds());
                    _token = SasToken.Create(resource, keyBase64, policyName, _expiry);
                }

                return _token;
            }
        }
    }

    public ValueTask<string> AuthorizationAsync(CancellationToken ct) => ValueTask.FromResult(Current);

    /// <summary>Forgets the token the service refused; the next <see cref="Current"/> signs a new one.</summary>
    public void Refused()
    {
        lock (_gate)
        {
            _token = null;
        }
    }
}
