using System.Text.Json.Nodes;
using KVEdge.Core.IotHub;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.IotHub;

// The registry client against the IoT Hub double (tests/KVEdge.Testing.ApiServer/IotHubDouble.cs, which cites the
// service's documented behaviour): test code on 127.0.0.1, not Azure.
public sealed class IotHubRegistryClientTests : IAsyncLifetime, IDisposable
{
    private const string WriteKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private const string ReadKey = "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=";
    private IotHubDouble _hub = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _hub = await IotHubDouble.StartAsync();
        _hub.AddPolicy("registryReadWrite", WriteKey, "RegistryRead", "RegistryWrite");
        _hub.AddPolicy("registryRead", ReadKey, "RegistryRead");
        _http = new HttpClient(_hub.TrustingHandler());
    }

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private IotHubRegistryClient Client(IHubCredential? credential = null) =>
        new(_http, _hub.Url, credential ?? new SasTokenSource(_hub.HostName, WriteKey, "registryReadWrite", TimeProvider.System));

    private static JsonObject EdgeDevice(string id) => new()
    {
        ["deviceId"] = id,
        ["status"] = "enabled",
        ["capabilities"] = new JsonObject { ["iotEdge"] = true },
        ["authentication"] = new JsonObject { ["type"] = "sas", ["symmetricKey"] = new JsonObject { ["primaryKey"] = null, ["secondaryKey"] = null } },
    };

    [Fact]
    public async Task Creates_an_edge_device_whose_keys_the_hub_generates_then_updates_it_by_its_ETag_and_never_overwrites_blindly()
    {
        var client = Client();
        Assert.Null(await client.GetDeviceAsync("line-3:press#2", CancellationToken.None));

        var created = await client.PutDeviceAsync(EdgeDevice("line-3:press#2"), null, CancellationToken.None);
        Assert.Equal(44, created["authentication"]!["symmetricKey"]!["primaryKey"]!.GetValue<string>().Length);
        Assert.StartsWith("ms-azure-iot-edge://line-3:press#2-", created["deviceScope"]!.GetValue<string>(), StringComparison.Ordinal);

        var read = (await client.GetDeviceAsync("line-3:press#2", CancellationToken.None))!;
        var etag = read["etag"]!.GetValue<string>();
        read["status"] = "disabled";
        var updated = await client.PutDeviceAsync(read, etag, CancellationToken.None);
        Assert.Equal("disabled", updated["status"]!.GetValue<string>());
        Assert.Equal(created["deviceScope"]!.GetValue<string>(), updated["deviceScope"]!.GetValue<string>());

        var stale = await Assert.ThrowsAsync<IotHubException>(() => client.PutDeviceAsync(read, etag, CancellationToken.None));
        Assert.Equal(412, stale.Status);
        var exists = await Assert.ThrowsAsync<IotHubException>(() => client.PutDeviceAsync(EdgeDevice("line-3:press#2"), null, CancellationToken.None));
        Assert.Equal(409, exists.Status);
        Assert.Equal("DeviceAlreadyExists", exists.ErrorCode);
        Assert.Equal("disabled", _hub.Device("line-3:press#2")!["status"]!.GetValue<string>());
        // The keys came back once, in the created device: no message carries them.
        var key = created["authentication"]!["symmetricKey"]!["primaryKey"]!.GetValue<string>();
        Assert.DoesNotContain(key, stale.Message + exists.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_error_code_is_read_from_either_body_shape_when_the_header_is_absent()
    {
        _hub.SendErrorCodeHeader = false;
        var client = Client();
        await client.PutDeviceAsync(EdgeDevice("edge-1"), null, CancellationToken.None);

        var first = await Assert.ThrowsAsync<IotHubException>(() => client.PutDeviceAsync(EdgeDevice("edge-1"), null, CancellationToken.None));
        var second = await Assert.ThrowsAsync<IotHubException>(() => client.PutDeviceAsync(EdgeDevice("edge-1"), null, CancellationToken.None));

        Assert.Equal(["409001", "DeviceAlreadyExists"], new[] { first.ErrorCode, second.ErrorCode }.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_throttled_fleet_completes_by_backing_off()
    {
        _hub.OperationsPerMinute = 1200;
        _hub.Burst = 5;
        var client = Client();

        await Parallel.ForEachAsync(Enumerable.Range(0, 40), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, ct) => await client.PutDeviceAsync(EdgeDevice($"edge-{i}"), null, ct));

        Assert.Equal(40, _hub.Writes);
        Assert.Contains(_hub.Log, l => l.EndsWith(" 429", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Retry_after_is_honoured_when_the_hub_sends_it()
    {
        // One operation a second: a client that retried on its own 128 ms backoff would be refused three more times
        // before the second's token is there; one that waits the Retry-After is refused once.
        _hub.OperationsPerMinute = 60;
        _hub.Burst = 1;
        _hub.SendRetryAfter = TimeSpan.FromSeconds(1);
        var client = Client();

        await client.PutDeviceAsync(EdgeDevice("edge-1"), null, CancellationToken.None);
        await client.PutDeviceAsync(EdgeDevice("edge-2"), null, CancellationToken.None);

        Assert.Single(_hub.Log, l => l.EndsWith(" 429", StringComparison.Ordinal));
        Assert.Equal(2, _hub.Writes);
    }

    [Fact]
    public async Task A_refused_token_is_made_again_once()
    {
        var credential = new OnceExpired(_hub.HostName);
        var device = await Client(credential).PutDeviceAsync(EdgeDevice("edge-1"), null, CancellationToken.None);

        Assert.Equal("edge-1", device["deviceId"]!.GetValue<string>());
        Assert.Equal(["PUT /devices/edge-1 401", "PUT /devices/edge-1 200"], _hub.Log);
        Assert.Equal(1, credential.Refusals);
    }

    [Fact]
    public async Task A_policy_without_the_right_gets_a_message_naming_it_and_no_credential()
    {
        var client = Client(new SasTokenSource(_hub.HostName, ReadKey, "registryRead", TimeProvider.System));

        var refused = await Assert.ThrowsAsync<IotHubException>(() => client.PutDeviceAsync(EdgeDevice("edge-1"), null, CancellationToken.None));

        Assert.Equal(401, refused.Status);
        Assert.Contains("RegistryWrite", refused.Message, StringComparison.Ordinal);
        Assert.Contains("IoT Hub Registry Contributor", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("SharedAccessSignature", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ReadKey, refused.Message, StringComparison.Ordinal);
        Assert.Null(_hub.Device("edge-1"));
    }

    [Fact]
    public async Task The_double_refuses_a_missing_api_version_an_expired_token_and_a_wrong_signature()
    {
        var good = SasToken.Create(_hub.HostName, WriteKey, "registryReadWrite", DateTimeOffset.UtcNow.AddMinutes(5));
        var expired = SasToken.Create(_hub.HostName, WriteKey, "registryReadWrite", DateTimeOffset.UtcNow.AddMinutes(-1));
        var wrongKey = SasToken.Create(_hub.HostName, ReadKey, "registryReadWrite", DateTimeOffset.UtcNow.AddMinutes(5));
        var otherHub = SasToken.Create("hub-b.azure-devices.net", WriteKey, "registryReadWrite", DateTimeOffset.UtcNow.AddMinutes(5));
        async Task<int> Get(string query, string token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_hub.Url, $"/devices/edge-1{query}"));
            request.Headers.TryAddWithoutValidation("Authorization", token);
            using var response = await _http.SendAsync(request);
            return (int)response.StatusCode;
        }

        Assert.Equal(404, await Get("?api-version=2021-04-12", good));
        Assert.Equal(400, await Get("", good));
        Assert.Equal(400, await Get("?api-version=2018-06-30", good));
        Assert.Equal(401, await Get("?api-version=2021-04-12", expired));
        Assert.Equal(401, await Get("?api-version=2021-04-12", wrongKey));
        Assert.Equal(401, await Get("?api-version=2021-04-12", otherHub));
        // The fields in another order are the same token.
        var fields = good["SharedAccessSignature ".Length..].Split('&');
        Assert.Equal(404, await Get("?api-version=2021-04-12", "SharedAccessSignature " + string.Join('&', fields.Reverse())));
    }

    // A token that has expired first (a long fleet operation's), then a good one once the hub refused it.
    private sealed class OnceExpired(string host) : IHubCredential
    {
        public int Refusals { get; private set; }

        public ValueTask<string> AuthorizationAsync(CancellationToken ct) => ValueTask.FromResult(
            SasToken.Create(host, WriteKey, "registryReadWrite", DateTimeOffset.UtcNow.AddMinutes(Refusals == 0 ? -1 : 20)));

        public void Refused() => Refusals++;
    }
}
