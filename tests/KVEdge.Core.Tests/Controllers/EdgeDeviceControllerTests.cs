using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Controllers;
using KVEdge.Core.Kube;
using KVEdge.Core.Spec;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Controllers;

/// <summary>
/// The EdgeDevice controller against the contract server with KubeVirt and CDI simulated: a CR applied becomes a device
/// and goes Ready with kstatus conditions for its generation; an unchanged one costs no write; an invalid one is Stalled
/// with the validator's path and rule and nothing of it exists; deleting one keeps the data unless purge says; suspend
/// writes nothing.
/// </summary>
public sealed class EdgeDeviceControllerTests : IAsyncLifetime, IDisposable
{
    private static readonly ResourceType EdgeDevices = new("kvedge.io", "v1alpha1", "edgedevices", "EdgeDevice", true, true);

    private ContractCluster _cluster = null!;
    private KubernetesClusterClient _client = null!;
    private EdgeDeviceController _controller = null!;
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;
    private readonly List<string> _log = [];

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        // The operator's ClusterRole: it watches every namespace.
        _cluster.Server.ClusterScope = true;
        _cluster.Server.InstallCrd(EdgeDeviceCrd.Build());
        _cluster.Server.Simulator.Start();
        _client = _cluster.Client();
        _controller = new EdgeDeviceController(_client, new ControllerOptions { NotReadyPoll = TimeSpan.FromMilliseconds(200) });
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
        await _cluster.DisposeAsync();
    }

    public void Dispose() => _stop.Dispose();

    private void Start() => _running = Task.Run(() => _controller.RunAsync(_stop.Token));

    private static JsonObject Device(string name = "edge-01", string? extra = null)
    {
        var spec = Specs.Minimal(name, "iotEdge:\n  provisioning: {source: manual, method: connectionString}\n  credentials: {existingSecret: " + name + "-iotedge}" + (extra is null ? "" : "\n" + extra));
        return YamlToJson.ParseAll(spec)[0];
    }

    private Task<JsonObject> ApplyAsync(JsonObject cr) =>
        _client.ApplyAsync(ClusterResource.EdgeDevice, cr, new ApplyOptions("kubectl", Force: false, DryRun: false), CancellationToken.None);

    private JsonObject? Stored(string name = "edge-01") => _cluster.Server.Store.Read(EdgeDevices, "factory-a", name);

    private static JsonObject? Condition(JsonObject? cr, string type) =>
        cr?["status"]?["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    private async Task<JsonObject> EventuallyAsync(Func<JsonObject, bool> done, string what, string name = "edge-01")
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (Stored(name) is { } cr && done(cr))
            {
                return cr;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{what}; the EdgeDevice is now: {Stored(name)?.ToJsonString()}\n{string.Join("\n", _log)}");
        return null!;
    }

    private static bool ReadyFor(JsonObject cr) =>
        Condition(cr, "Ready")?["status"]?.GetValue<string>() == "True"
        && Condition(cr, "Ready")!["observedGeneration"]!.GetValue<long>() == cr["metadata"]!["generation"]!.GetValue<long>()
        && cr["status"]!["observedGeneration"]!.GetValue<long>() == cr["metadata"]!["generation"]!.GetValue<long>();

    [Fact]
    public async Task A_new_EdgeDevice_becomes_a_device_and_goes_Ready_for_its_generation()
    {
        Start();
        await ApplyAsync(Device());
        var cr = await EventuallyAsync(ReadyFor, "the device should go Ready");
        Assert.Null(Condition(cr, "Stalled"));
        Assert.Null(Condition(cr, "Reconciling"));
        Assert.Equal("Ready", cr["status"]!["stage"]!.GetValue<string>());
        Assert.Contains(EdgeDeviceController.Finalizer, cr["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));

        // The VM is the operator's, owned by the EdgeDevice; the data disk belongs to no one, so nothing collects it.
        var vm = _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!;
        Assert.Equal(cr["metadata"]!["uid"]!.GetValue<string>(), vm["metadata"]!["ownerReferences"]![0]!["uid"]!.GetValue<string>());
        Assert.Contains(vm["metadata"]!["managedFields"]!.AsArray(), m => m!["manager"]!.GetValue<string>() == ControllerOptions.FieldManager);
        var data = _cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-01-data")!;
        Assert.Null(data["metadata"]!["ownerReferences"]);

        // kvedge status shows the EdgeDevice's conditions of a device the operator runs.
        var status = await new KVEdge.Core.Actions.StatusAction(_client).RunAsync("factory-a", null, CancellationToken.None);
        Assert.Equal("EdgeDevice/Ready=True", status.Single().Conditions[0]);
        // And its summary is the EdgeDevice's status: the same conditions, for the generation the operator observed.
        var summary = status.Single().Summary!;
        Assert.Equal(cr["status"]!["observedGeneration"]!.GetValue<long>(), summary.ObservedGeneration);
        Assert.Equal(cr["status"]!["conditions"]!.ToJsonString(), summary.ToJson()["conditions"]!.ToJsonString());
        Assert.Equal(cr["status"]!["node"]?.GetValue<string>(), summary.Node);
    }

    [Fact]
    public async Task A_converged_device_is_reconciled_with_no_write()
    {
        Start();
        await ApplyAsync(Device());
        await EventuallyAsync(ReadyFor, "the device should go Ready");
        // Let the last events settle, then look again.
        await Task.Delay(500);
        _cluster.Server.ResetRequests();
        var before = _controller.Stats.Reconciles;
        _controller.Queue.Add("factory-a/edge-01");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (_controller.Stats.Reconciles == before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(_controller.Stats.Reconciles > before);
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE");
        // Nor a read: the reconcile works from the informers' caches. What is left is theirs: their watches, and a relist
        // when a watch ends (the API server closes watches after a while), both cluster-wide here; a reconcile's read
        // would be of its device's namespace.
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.Method == "GET" && !r.Query.Contains("watch=true", StringComparison.Ordinal)
            && r.Path.Contains("/namespaces/factory-a/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_long_value_edited_by_someone_else_is_repaired_though_the_cache_keeps_only_its_digest()
    {
        Start();
        await ApplyAsync(Device());
        await EventuallyAsync(ReadyFor, "the device should go Ready");
        var configMaps = ResourceType.ConfigMap;
        var rendered = _cluster.Server.Store.Read(configMaps, "factory-a", "edge-01-config")!;
        var (key, value) = rendered["data"]!.AsObject().Select(kv => (kv.Key, kv.Value!.GetValue<string>())).First(kv => kv.Item2.Length >= CacheTransform.DigestFrom);

        // kubectl edit of one file of the config, as another field manager taking it over.
        await _client.ApplyAsync(ClusterResource.ConfigMap, new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = "edge-01-config", ["namespace"] = "factory-a" },
            ["data"] = new JsonObject { [key] = value + "\n# edited by hand\n" },
        }, new ApplyOptions("kubectl-edit", Force: true, DryRun: false), CancellationToken.None);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (_cluster.Server.Store.Read(configMaps, "factory-a", "edge-01-config")?["data"]?[key]?.GetValue<string>() != value && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(value, _cluster.Server.Store.Read(configMaps, "factory-a", "edge-01-config")!["data"]![key]!.GetValue<string>());
    }

    [Fact]
    public async Task A_spec_change_is_reconciled_to_Ready_for_the_new_generation()
    {
        Start();
        await ApplyAsync(Device());
        await EventuallyAsync(ReadyFor, "the device should go Ready");
        var changed = Device();
        changed["spec"]!["memory"] = "6Gi";
        await ApplyAsync(changed);
        var cr = await EventuallyAsync(c => c["metadata"]!["generation"]!.GetValue<long>() == 2 && ReadyFor(c), "generation 2 should go Ready");
        Assert.Equal("6Gi", _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!["spec"]!["template"]!["spec"]!["domain"]!["memory"]!["guest"]!.GetValue<string>());
        Assert.Equal(2, cr["status"]!["observedGeneration"]!.GetValue<long>());
    }

    [Fact]
    public async Task An_invalid_EdgeDevice_is_Stalled_with_the_path_and_the_rule_and_nothing_is_applied()
    {
        Start();
        // Two ports with one name: a rule the CRD's schema cannot say, so the API server takes it and the validator does not.
        await ApplyAsync(Device(extra: "expose:\n  ports:\n    - {name: mqtts, port: 8883}\n    - {name: mqtts, port: 8884}"));
        var cr = await EventuallyAsync(c => Condition(c, "Stalled") is not null, "the device should be Stalled");
        var stalled = Condition(cr, "Stalled")!;
        Assert.Equal("True", stalled["status"]!.GetValue<string>());
        Assert.Equal(DeviceConditions.InvalidSpec, stalled["reason"]!.GetValue<string>());
        Assert.Contains("spec.expose.ports[1].name", stalled["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("[duplicate-port]", stalled["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("False", Condition(cr, "Ready")!["status"]!.GetValue<string>());
        Assert.Null(Condition(cr, "Reconciling"));
        Assert.Null(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));
        Assert.Empty(_cluster.Server.Store.List(ResourceType.DataVolume, "factory-a"));
    }

    [Fact]
    public async Task An_EdgeDevice_with_an_inline_credential_is_Stalled_and_the_value_is_nowhere()
    {
        // The CRD's CEL rule refuses it at the API server; one stored before the rule existed is seeded straight into
        // the store, as the operator would find it (the API server's validation ratcheting lets its status be written).
        const string Key = "aW5saW5lLWNyZWRlbnRpYWwtbmV2ZXItc2hvd24=";
        var cr = YamlToJson.ParseAll(Specs.Minimal("edge-01",
            $"iotEdge:\n  provisioning: {{source: manual, method: connectionString}}\n  credentials: {{connectionString: 'HostName=h.azure-devices.net;DeviceId=edge-01;SharedAccessKey={Key}'}}"))[0];
        _cluster.Server.Seed(cr, "kubectl");
        Start();
        var stalled = await EventuallyAsync(c => Condition(c, "Stalled") is not null, "the device should be Stalled");
        Assert.Contains("spec.iotEdge.credentials.connectionString: an EdgeDevice carries no credential", Condition(stalled, "Stalled")!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));
        Assert.Empty(_cluster.Server.Store.List(ResourceType.Secret, "factory-a"));

        var fragment = Key[..24];
        Assert.DoesNotContain(fragment, stalled["status"]!.ToJsonString(), StringComparison.Ordinal);
        lock (_log)
        {
            Assert.DoesNotContain(_log, l => l.Contains(fragment, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(_cluster.Server.Store.List(ResourceType.Event, "factory-a"), e => e.ToJsonString().Contains(fragment, StringComparison.Ordinal));
        Assert.DoesNotContain(fragment, ControllerMetrics.Render(_controller, leader: null, "kvedge-operator"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Deleting_an_EdgeDevice_keeps_its_data_disk_unless_purge_says(bool purge)
    {
        Start();
        var device = Device();
        if (purge)
        {
            device["metadata"]!["annotations"] = new JsonObject { [EdgeDeviceController.PurgeAnnotation] = "true" };
        }

        await ApplyAsync(device);
        await EventuallyAsync(ReadyFor, "the device should go Ready");
        await _client.DeleteAsync(ClusterResource.EdgeDevice, "factory-a", "edge-01", dryRun: false, CancellationToken.None);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Stored() is not null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(Stored() is null, string.Join("\n", _log) + Stored()?.ToJsonString());
        await Task.Delay(_cluster.Server.Store.GarbageCollectionDelay + TimeSpan.FromMilliseconds(300));
        Assert.Null(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));
        var data = _cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-01-data");
        if (purge)
        {
            Assert.Null(data);
        }
        else
        {
            Assert.NotNull(data);
        }
    }

    [Fact]
    public async Task A_suspended_EdgeDevice_gets_no_write_while_its_spec_changes()
    {
        Start();
        await ApplyAsync(Device());
        await EventuallyAsync(ReadyFor, "the device should go Ready");
        var suspended = Device();
        suspended["spec"]!["suspend"] = true;
        await ApplyAsync(suspended);
        await Task.Delay(300);
        _cluster.Server.ResetRequests();
        suspended["spec"]!["memory"] = "8Gi";
        await ApplyAsync(suspended);
        await Task.Delay(1000);
        // The only write is the test's own apply of the EdgeDevice.
        Assert.Single(_cluster.Server.Requests, r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE");
        Assert.Equal("4Gi", _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!["spec"]!["template"]!["spec"]!["domain"]!["memory"]!["guest"]!.GetValue<string>());
    }

    [Fact]
    public async Task Kvedge_install_leaves_an_operator_run_device_alone_unless_forced()
    {
        Start();
        await ApplyAsync(Device());
        await EventuallyAsync(ReadyFor, "the device should go Ready");
        var rendered = KVEdge.Core.Actions.TemplateAction.Run([new KVEdge.Core.Input.InputFile("device.yaml", Specs.Minimal("edge-01",
            "iotEdge:\n  provisioning: {source: manual, method: connectionString}\n  credentials: {existingSecret: edge-01-iotedge}"))], [], "default").Devices;
        _cluster.Server.ResetRequests();
        var refused = await new KVEdge.Core.Actions.InstallAction(_client, new KVEdge.Core.Tests.Actions.RecordingReporter())
            .RunAsync(rendered, KVEdge.Core.Tests.Actions.ClusterTestDevices.Options(), CancellationToken.None);
        Assert.True(refused[0].Conflict);
        Assert.Contains("is run by the kvedge operator (EdgeDevice factory-a/edge-01)", refused[0].Error, StringComparison.Ordinal);
        // The operator, still running, may write its own status and Events meanwhile; the install wrote nothing.
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.IsWrite && !r.Query.Contains("fieldManager=" + ControllerOptions.FieldManager, StringComparison.Ordinal) && !r.Path.Contains("/events", StringComparison.Ordinal));

        var forced = await new KVEdge.Core.Actions.InstallAction(_client, new KVEdge.Core.Tests.Actions.RecordingReporter())
            .RunAsync(rendered, KVEdge.Core.Tests.Actions.ClusterTestDevices.Options(force: true), CancellationToken.None);
        Assert.Null(forced[0].Error);
    }

    [Fact]
    public async Task Every_device_converges_through_throttling_server_errors_dropped_watches_and_410_Gone()
    {
        var names = new[] { "edge-01", "edge-02", "edge-03" };
        // Each kind of request fails some of the time: lists throttled (429), applies and status writes answered 5xx (the
        // status writes more often than the client retries, so reconciles fail and are retried from the queue),
        // Events refused, watches dropped; and, midway, every watch ends and the history is compacted (410 on resume).
        var faults = _cluster.Server.Faults;
        faults.When(r => r.Method == "GET" && !r.Query.Contains("watch=true", StringComparison.Ordinal), new Fault.Throttle(0), times: 6);
        faults.When(r => r.Method == "PATCH" && r.Path.EndsWith("/status", StringComparison.Ordinal), new Fault.Status(System.Net.HttpStatusCode.InternalServerError), times: 12);
        faults.When(r => r.Method == "PATCH" && r.Path.Contains("/virtualmachines/", StringComparison.Ordinal), new Fault.Status(System.Net.HttpStatusCode.ServiceUnavailable, "ServiceUnavailable"), times: 3);
        faults.When(r => r.Method == "POST" && r.Path.Contains("/events", StringComparison.Ordinal), new Fault.Status(System.Net.HttpStatusCode.InternalServerError), times: 2);
        faults.When(r => r.Query.Contains("watch=true", StringComparison.Ordinal), new Fault.Drop(), times: 5);
        Start();
        foreach (var name in names)
        {
            await ApplyAsync(Device(name));
        }

        await Task.Delay(300);
        _cluster.Server.Store.Compact();
        _cluster.Server.Store.DropWatches();
        foreach (var name in names)
        {
            await EventuallyAsync(ReadyFor, $"{name} should go Ready", name);
        }

        // The informers relisted after the 410 (a second list at least for some kind).
        Assert.Contains(_controller.Informers, i => i.Requests.Lists >= 2);
        Assert.True(_controller.Stats.Errors > 0, "some reconcile should have failed and been retried");
    }
}
