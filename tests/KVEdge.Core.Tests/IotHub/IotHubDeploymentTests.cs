using System.Text.Json.Nodes;
using KVEdge.Core.IotHub;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.IotHub;

// Twins and automatic deployments through the registry client against the IoT Hub double, which models the documented
// rules (../shared/reference/iothub-dps-rest.md §3; IotHubDouble cites each): test code on 127.0.0.1, not Azure.
public sealed class IotHubDeploymentTests : IAsyncLifetime, IDisposable
{
    private const string Key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private IotHubDouble _hub = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _hub = await IotHubDouble.StartAsync();
        _hub.AddPolicy("iothubowner", Key, "RegistryRead", "RegistryWrite", "ServiceConnect");
        _http = new HttpClient(_hub.TrustingHandler());
    }

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private IotHubRegistryClient Client() => new(_http, _hub.Url, new SasTokenSource(_hub.HostName, Key, "iothubowner", TimeProvider.System));

    private static JsonObject Module(string image) => new() { ["type"] = "docker", ["settings"] = new JsonObject { ["image"] = image } };

    private static JsonObject Standard(string id, int priority, string condition, string hubImage) => new()
    {
        ["id"] = id,
        ["priority"] = priority,
        ["targetCondition"] = condition,
        ["content"] = new JsonObject
        {
            ["modulesContent"] = new JsonObject
            {
                ["$edgeAgent"] = new JsonObject { ["properties.desired"] = new JsonObject { ["systemModules"] = new JsonObject { ["edgeHub"] = Module(hubImage) }, ["modules"] = new JsonObject() } },
                ["$edgeHub"] = new JsonObject { ["properties.desired"] = new JsonObject { ["routes"] = new JsonObject() } },
            },
        },
    };

    private static JsonObject Layered(string id, int priority, string condition, string module) => new()
    {
        ["id"] = id,
        ["priority"] = priority,
        ["targetCondition"] = condition,
        ["content"] = new JsonObject
        {
            ["modulesContent"] = new JsonObject
            {
                ["$edgeAgent"] = new JsonObject { [$"properties.desired.modules.{module}"] = Module($"contoso/{module}:1") },
            },
        },
    };

    private async Task Device(string id, string line)
    {
        var client = Client();
        await client.PutDeviceAsync(new JsonObject { ["deviceId"] = id, ["capabilities"] = new JsonObject { ["iotEdge"] = true }, ["authentication"] = new JsonObject { ["type"] = "sas" } }, null, CancellationToken.None);
        var twin = (await client.GetTwinAsync(id, CancellationToken.None))!;
        await client.PatchTwinAsync(id, new JsonObject { ["tags"] = new JsonObject { ["line"] = line } }, twin["etag"]!.GetValue<string>(), CancellationToken.None);
    }

    [Fact]
    public async Task A_device_gets_the_highest_priority_standard_deployment_it_meets_with_higher_layers_on_top_and_nothing_without_one()
    {
        await Device("press-1", "l1");
        await Device("oven-1", "l2");
        var client = Client();
        Assert.Empty(_hub.EffectiveModules("press-1"));

        // A layer alone gives nothing: it needs a base applied.
        await client.PutConfigurationAsync(Layered("opc", 20, "tags.line='l1'", "opcpublisher"), null, CancellationToken.None);
        Assert.Empty(_hub.EffectiveModules("press-1"));

        await client.PutConfigurationAsync(Standard("base-old", 10, "tags.line='l1'", "hub:1.4"), null, CancellationToken.None);
        await client.PutConfigurationAsync(Standard("base-new", 10, "tags.line='l1'", "hub:1.5"), null, CancellationToken.None);
        await client.PutConfigurationAsync(Standard("base-low", 5, "tags.line='l1'", "hub:1.3"), null, CancellationToken.None);
        // A layer of a lower priority than the base is not applied on top of it.
        await client.PutConfigurationAsync(Layered("below", 1, "tags.line='l1'", "ignored"), null, CancellationToken.None);

        var press = _hub.EffectiveModules("press-1");
        // A tie in priority: the newest created wins; no merge with the others.
        Assert.Equal("hub:1.5", press["$edgeAgent"]["systemModules"]!["edgeHub"]!["settings"]!["image"]!.GetValue<string>());
        Assert.Equal("contoso/opcpublisher:1", press["$edgeAgent"]["modules"]!["opcpublisher"]!["settings"]!["image"]!.GetValue<string>());
        Assert.Null(press["$edgeAgent"]["modules"]!["ignored"]);
        Assert.Empty(_hub.EffectiveModules("oven-1"));
    }

    [Fact]
    public async Task A_deployment_is_created_once_its_content_never_changes_and_its_id_is_lower_case()
    {
        var client = Client();
        var created = (await client.PutConfigurationAsync(Standard("base", 10, "tags.line='l1'", "hub:1.5"), null, CancellationToken.None))!;
        Assert.NotNull(created["createdTimeUtc"]);
        Assert.NotNull(created["systemMetrics"]!["queries"]!["appliedCount"]);

        var exists = await Assert.ThrowsAsync<IotHubException>(() => client.PutConfigurationAsync(Standard("base", 10, "tags.line='l1'", "hub:1.5"), null, CancellationToken.None));
        Assert.Equal(409, exists.Status);

        var changed = Standard("base", 10, "tags.line='l1'", "hub:1.6");
        var immutable = await Assert.ThrowsAsync<IotHubException>(() => client.PutConfigurationAsync(changed, created["etag"]!.GetValue<string>(), CancellationToken.None));
        Assert.Equal(400, immutable.Status);

        // Priority may change, with the ETag; a stale one is a 412.
        var read = (await client.GetConfigurationAsync("base", CancellationToken.None))!;
        read["priority"] = 20;
        await client.PutConfigurationAsync(read, read["etag"]!.GetValue<string>(), CancellationToken.None);
        var stale = await Assert.ThrowsAsync<IotHubException>(() => client.PutConfigurationAsync(read, read["etag"]!.GetValue<string>(), CancellationToken.None));
        Assert.Equal(412, stale.Status);

        var upper = await Assert.ThrowsAsync<IotHubException>(() => client.PutConfigurationAsync(Standard("Base-2", 10, "tags.line='l1'", "hub:1.5"), null, CancellationToken.None));
        Assert.Equal(400, upper.Status);
        var unreadable = await Assert.ThrowsAsync<IotHubException>(() => client.PutConfigurationAsync(Standard("base-3", 10, "tags.line = l1", "hub:1.5"), null, CancellationToken.None));
        Assert.Equal(400, unreadable.Status);
    }

    [Fact]
    public async Task Twin_tags_merge_a_null_removes_one_and_a_stale_ETag_is_refused()
    {
        await Device("press-1", "l1");
        var client = Client();
        var twin = (await client.GetTwinAsync("press-1", CancellationToken.None))!;
        var patched = (await client.PatchTwinAsync("press-1", new JsonObject { ["tags"] = new JsonObject { ["site"] = "hall-2", ["line"] = null } }, twin["etag"]!.GetValue<string>(), CancellationToken.None))!;
        Assert.Equal("hall-2", patched["tags"]!["site"]!.GetValue<string>());
        Assert.Null(patched["tags"]!["line"]);
        var stale = await Assert.ThrowsAsync<IotHubException>(() => client.PatchTwinAsync("press-1", new JsonObject { ["tags"] = new JsonObject { ["x"] = "y" } }, twin["etag"]!.GetValue<string>(), CancellationToken.None));
        Assert.Equal(412, stale.Status);
        Assert.Null(await client.GetTwinAsync("nobody", CancellationToken.None));

        // The twin goes with its device.
        Assert.True(await client.DeleteDeviceAsync("press-1", "*", CancellationToken.None));
        Assert.Null(_hub.Twin("press-1"));
        Assert.False(await client.DeleteDeviceAsync("press-1", "*", CancellationToken.None));
    }

    [Theory]
    [InlineData("tags.kvedge.fleet='a' and tags.kvedge.base='b'", true)]
    [InlineData("deviceId='it''s'", true)]
    [InlineData("tags.a='x' or tags.b='y'", false)]
    [InlineData("tags.a='unterminated", false)]
    [InlineData("tags='x'", false)]
    [InlineData("tags.a = 'x' and", false)]
    public void The_double_reads_only_the_target_conditions_it_can_evaluate(string condition, bool parses) =>
        Assert.Equal(parses, TargetCondition.TryParse(condition, out _));
}
