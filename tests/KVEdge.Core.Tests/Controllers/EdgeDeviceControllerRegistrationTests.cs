using System.Text;
using System.Text.Json.Nodes;
using KVEdge.Core.Controllers;
using KVEdge.Core.IotHub;
using KVEdge.Core.Kube;
using KVEdge.Core.Spec;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Controllers;

/// <summary>
/// The operator's registration phase against the contract server and the IoT Hub double (test code on 127.0.0.1, not
/// Azure): an EdgeDevice with spec.iotEdge.registration gets its identity once per generation, the key only in its
/// credentials Secret, onDelete when it is deleted, and a condition naming an identity of another type.
/// </summary>
public sealed class EdgeDeviceControllerRegistrationTests : IAsyncLifetime, IDisposable
{
    private const string HubKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static readonly ResourceType EdgeDevices = new("kvedge.io", "v1alpha1", "edgedevices", "EdgeDevice", true, true);

    private ContractCluster _cluster = null!;
    private KubernetesClusterClient _client = null!;
    private IotHubDouble _hub = null!;
    private IotServiceConnector _connector = null!;
    private EdgeDeviceController _controller = null!;
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;
    private readonly List<string> _log = [];

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _cluster.Server.ClusterScope = true;
        _cluster.Server.InstallCrd(EdgeDeviceCrd.Build());
        _cluster.Server.Simulator.Start();
        _client = _cluster.Client();
        _hub = await IotHubDouble.StartAsync();
        _hub.AddPolicy("iothubowner", HubKey, "RegistryRead", "RegistryWrite", "ServiceConnect");
        _connector = new IotServiceConnector(_ => (_hub.TrustingHandler(), _hub.Url));
        await _client.CreateAsync(ClusterResource.Secret, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "hub-a-owner", ["namespace"] = "factory-a" },
            ["data"] = new JsonObject { ["key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(HubKey)) },
        }, CancellationToken.None);
        _controller = new EdgeDeviceController(_client, new ControllerOptions { NotReadyPoll = TimeSpan.FromMilliseconds(200), Iot = _connector });
        _controller.Log += line =>
        {
            lock (_log)
            {
                _log.Add(line);
            }
        };
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _client.Dispose();
        _connector.Dispose();
        await _hub.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    public void Dispose() => _stop.Dispose();

    private static JsonObject Device(string memory = "4Gi") => YamlToJson.ParseAll(Specs.Minimal("edge-01", $"""
        memory: {memory}
        iotEdge:
          provisioning: {"{"}source: manual, method: symmetricKey, iothubHostname: hub-a.azure-devices.net, deviceId: edge-01{"}"}
          registration:
            iotHub:
              hostname: hub-a.azure-devices.net
              auth: {"{"}sasSecretRef: {"{"}name: hub-a-owner, policyName: iothubowner{"}"}{"}"}
        """))[0];

    private JsonObject? Stored() => _cluster.Server.Store.Read(EdgeDevices, "factory-a", "edge-01");

    private static JsonObject? Condition(JsonObject? cr, string type) =>
        cr?["status"]?["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    private async Task<JsonObject> EventuallyAsync(Func<JsonObject, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (Stored() is { } cr && done(cr))
            {
                return cr;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{what}; the EdgeDevice is now: {Stored()?.ToJsonString()}\n{string.Join("\n", _log)}");
        return null!;
    }

    private static bool ReadyFor(JsonObject cr) =>
        Condition(cr, "Ready")?["status"]?.GetValue<string>() == "True"
        && cr["status"]!["observedGeneration"]!.GetValue<long>() == cr["metadata"]!["generation"]!.GetValue<long>();

    private Task<JsonObject> ApplyAsync(JsonObject cr) =>
        _client.ApplyAsync(ClusterResource.EdgeDevice, cr, new ApplyOptions("kubectl", Force: false, DryRun: false), CancellationToken.None);

    [Fact]
    public async Task An_EdgeDevice_is_registered_once_per_generation_its_key_only_in_its_Secret_and_disabled_when_deleted()
    {
        _running = Task.Run(() => _controller.RunAsync(_stop.Token));
        await ApplyAsync(Device());
        var cr = await EventuallyAsync(ReadyFor, "the device should go Ready");
        Assert.Equal(1, cr["status"]!["registeredGeneration"]!.GetValue<long>());
        var key = _hub.Device("edge-01")!["authentication"]!["symmetricKey"]!["primaryKey"]!.GetValue<string>();
        var secret = _cluster.Server.Store.Read(ResourceType.Secret, "factory-a", "edge-01-credentials")!;
        Assert.Equal(key, Encoding.UTF8.GetString(Convert.FromBase64String(secret["data"]!["symmetric-key"]!.GetValue<string>())));
        Assert.DoesNotContain(key, Stored()!.ToJsonString(), StringComparison.Ordinal);
        lock (_log)
        {
            Assert.DoesNotContain(_log, l => l.Contains(key, StringComparison.Ordinal));
        }

        // A resync of the same generation does not ask the hub: the key comes back from the Secret.
        var asked = _hub.Log.Count;
        await _controller.ReconcileAsync("factory-a", "edge-01", CancellationToken.None);
        Assert.Equal(asked, _hub.Log.Count);
        Assert.Equal(key, Encoding.UTF8.GetString(Convert.FromBase64String(_cluster.Server.Store.Read(ResourceType.Secret, "factory-a", "edge-01-credentials")!["data"]!["symmetric-key"]!.GetValue<string>())));

        // A new generation asks again and, the identity unchanged, writes nothing to the hub.
        var writes = _hub.Writes;
        await ApplyAsync(Device(memory: "6Gi"));
        await EventuallyAsync(c => c["status"]?["registeredGeneration"]?.GetValue<long>() == 2, "generation 2 should be registered");
        Assert.True(_hub.Log.Count > asked);
        Assert.Equal(writes, _hub.Writes);

        // Deleted: onDelete Disable, the default.
        await _client.DeleteAsync(ClusterResource.EdgeDevice, "factory-a", "edge-01", dryRun: false, CancellationToken.None);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Stored() is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Null(Stored());
        Assert.Equal("disabled", _hub.Device("edge-01")!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_identity_of_another_type_is_a_Stalled_condition_naming_it_and_nothing_is_applied()
    {
        using (var http = new HttpClient(_hub.TrustingHandler()))
        {
            await new IotHubRegistryClient(http, _hub.Url, new SasTokenSource(_hub.HostName, HubKey, "iothubowner", TimeProvider.System))
                .PutDeviceAsync(new JsonObject { ["deviceId"] = "edge-01", ["authentication"] = new JsonObject { ["type"] = "certificateAuthority" } }, null, CancellationToken.None);
        }

        _running = Task.Run(() => _controller.RunAsync(_stop.Token));
        await ApplyAsync(Device());
        var cr = await EventuallyAsync(c => Condition(c, "Stalled")?["reason"]?.GetValue<string>() == "IdentityConflict", "the device should be Stalled");
        Assert.Contains("exists with authentication 'certificateAuthority'", Condition(cr, "Stalled")!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("False", Condition(cr, "Ready")!["status"]!.GetValue<string>());
        Assert.Null(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));
    }

    [Fact]
    public async Task A_DPS_TPM_EdgeDevice_is_applied_while_its_enrollment_waits_for_the_endorsement_key()
    {
        await using var dps = await DpsDouble.StartAsync();
        dps.AddPolicy("provisioningserviceowner", HubKey, "EnrollmentRead", "EnrollmentWrite");
        await _client.CreateAsync(ClusterResource.Secret, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "dps-1-owner", ["namespace"] = "factory-a" },
            ["data"] = new JsonObject { ["key"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(HubKey)) },
        }, CancellationToken.None);
        using var connector = new IotServiceConnector(h => h == dps.HostName ? (dps.TrustingHandler(), dps.Url) : (_hub.TrustingHandler(), _hub.Url));
        var controller = new EdgeDeviceController(_client, new ControllerOptions { NotReadyPoll = TimeSpan.FromMilliseconds(200), Iot = connector });
        var log = new List<string>();
        controller.Log += line =>
        {
            lock (log)
            {
                log.Add(line);
            }
        };
        _running = Task.Run(() => controller.RunAsync(_stop.Token));
        await ApplyAsync(YamlToJson.ParseAll(Specs.Minimal("edge-01", """
            iotEdge:
              provisioning: {source: dps, method: tpm, idScope: 0ne00000A0A, registrationId: edge-01}
              registration:
                dps:
                  serviceHost: dps-1.azure-devices-provisioning.net
                  auth: {sasSecretRef: {name: dps-1-owner, policyName: provisioningserviceowner}}
                baseDeployment: {enabled: false}
            """))[0]);

        // The VM is made (it must run to have a key), and the enrollment waits: said in the log, not a failure, and
        // not marked registered, so a later reconcile (or `kvedge register`) enrolls it.
        var cr = await EventuallyAsync(ReadyFor, "the TPM device should go Ready");
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));
        Assert.Null(cr["status"]?["registeredGeneration"]);
        Assert.NotEqual("True", Condition(cr, "Stalled")?["status"]?.GetValue<string>());
        Assert.Null(dps.Enrollment("edge-01"));
        lock (log)
        {
            Assert.Contains(log, l => l.StartsWith("factory-a/edge-01: registration: DPS enrollment edge-01: waits for the TPM's endorsement key", StringComparison.Ordinal)
                && l.Contains("no SSH login was given to read it with", StringComparison.Ordinal));
        }
    }
}
