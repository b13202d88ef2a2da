using System.Collections.Concurrent;
using Azure.Core;
using Azure.Identity;

namespace KVEdge.Core.IotHub;

/// <summary>
/// Where kvedge reaches a service host (NAME.azure-devices.net, NAME.azure-devices-provisioning.net): https://HOST/ with
/// the system's trust, one HttpClient per host for the whole run. Tests give a resolver that sends a host to a double
/// on 127.0.0.1 with its own CA; the SAS token is still signed for the real host name, as the double checks.
/// </summary>
public sealed class IotServiceConnector(Func<string, (HttpMessageHandler Handler, Uri Endpoint)>? resolve = null) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<(HttpClient Client, Uri Endpoint)>> _clients = new(StringComparer.OrdinalIgnoreCase);

    private readonly Lazy<TokenCredential> _entra = new(() => new DefaultAzureCredential(new DefaultAzureCredentialOptions
    {
        // Nothing that opens a browser or a prompt: kvedge runs in scripts, pipelines and pods.
        ExcludeInteractiveBrowserCredential = true,
    }));

    /// <summary>
    /// The Entra ID identity for <c>auth.entra</c>: by default Azure.Identity's DefaultAzureCredential (the AZURE_*
    /// environment variables, workload identity in a cluster, a managed identity, the Azure CLI's login); tests give a
    /// credential that asks a token-service double.
    /// </summary>
    public TokenCredential Entra
    {
        get => _entraGiven ?? _entra.Value;
        init => _entraGiven = value;
    }

    private readonly TokenCredential? _entraGiven;

    /// <summary>How long one request may take before it counts as unanswered.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(100);

    public (HttpClient Client, Uri Endpoint) For(string host) => _clients.GetOrAdd(host, h => new Lazy<(HttpClient, Uri)>(() =>
    {
        var (handler, endpoint) = resolve?.Invoke(h) ?? (new SocketsHttpHandler(), new Uri($"https://{h}/"));
        return (new HttpClient(handler) { Timeout = RequestTimeout }, endpoint);
    })).Value;

    public void Dispose()
    {
        foreach (var lazy in _clients.Values.Where(l => l.IsValueCreated))
        {
            lazy.Value.Client.Dispose();
        }
    }
}
