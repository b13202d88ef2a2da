using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// Plays CDI and KubeVirt where a test needs them, writing only status as their controllers do: a DataVolume
/// imports (status.progress "0.00%" up to "100.0%", then phase Succeeded; a blank one succeeds at once); a VM with
/// runStrategy Always or RerunOnFailure whose DataVolumes have succeeded gets a VirtualMachineInstance on a node with
/// an IP, becomes Ready, and then reports AgentConnected. A VM with a persistent vTPM gets KubeVirt's backend-storage
/// PVC, labelled persistent-state-for=NAME and owned by the VM (so deleting the VM garbage-collects it), unless one
/// with that label is already there, which it reuses (kubevirt/kubevirt pkg/storage/backend-storage/backend-storage.go).
/// Off unless a test calls <see cref="Start"/>.
/// Field names follow the CDI and KubeVirt APIs (DataVolumeStatus.progress/phase, VirtualMachineStatus.printableStatus/
/// ready/conditions, VirtualMachineInstanceStatus.nodeName/interfaces/conditions).
/// </summary>
public sealed class KubeVirtSimulator : IDisposable
{
    private readonly ObjectStore _store;
    private readonly Channel<WatchEvent> _work = Channel.CreateUnbounded<WatchEvent>();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;
    private int _persistentStates;

    public KubeVirtSimulator(ObjectStore store)
    {
        _store = store;
        _store.Changed += e => _work.Writer.TryWrite(e);
    }

    /// <summary>Delay between import progress steps and between VM phases.</summary>
    public TimeSpan Step { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>A step per object name (a DataVolume's or a VM's), for fleets whose devices import and boot at different
    /// speeds; <see cref="Step"/> where it answers null.</summary>
    public Func<string, TimeSpan?>? StepFor { get; set; }

    private TimeSpan StepOf(string name) => StepFor?.Invoke(name) ?? Step;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), SemaphoreSlim> _vmLocks = new();

    // KubeVirt's VM controller works on many VMs at once and on each one by one (kubevirt/kubevirt
    // pkg/virt-controller/watch/vm.go: a rate-limited workqueue keyed by namespace/name, drained by several workers, and
    // a key is never handed to two workers at once): so here each VM's reconcile waits for its previous one, and
    // different VMs boot side by side.
    private void ReconcileVmInBackground(string ns, string name) =>
        _ = Task.Run(async () =>
        {
            var gate = _vmLocks.GetOrAdd((ns, name), _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(_stop.Token);
            try
            {
                await ReconcileVmAsync(ns, name);
            }
            finally
            {
                gate.Release();
            }
        }, _stop.Token);

    /// <summary>
    /// A real guest behind every instance (the e2e's qemu machine): stops, boots and probes go to it instead of being
    /// timed and judged here. Null: the simulator's own guests.
    /// </summary>
    public IGuestMachine? Guest { get; set; }

    /// <summary>The guest agent never connects (an image without qemu-guest-agent).</summary>
    public bool AgentNeverConnects { get; set; }

    /// <summary>
    /// What the guest agent reports as the OS's name (qemu-guest-agent's guest-get-osinfo, read from the guest's
    /// /etc/os-release): root in the guest controls it, so a test can make it hostile.
    /// </summary>
    public string GuestOsPrettyName { get; set; } = "Ubuntu 24.04 LTS";

    /// <summary>Imports stop at this percentage and never finish.</summary>
    public double? ImportStallsAt { get; set; }

    /// <summary>
    /// Every importer pod fails with this message (a wrong URL, no egress), as CDI v1.66 reports it
    /// (pkg/controller/datavolume/import-controller.go): the phase stays ImportInProgress, progress N/A, the conditions
    /// Bound=True, Ready=False, Running=False with reason Error and the importer's message, and status.restartCount
    /// rises at each importer restart; the DataVolume never becomes Failed (no AnnImportFatalError).
    /// </summary>
    public string? ImportFailsWith { get; set; }

    public int Restarts { get; private set; }

    /// <summary>How long the old VMI of a restarted VM stays (KubeVirt's graceful shutdown: 180 s by default).</summary>
    public TimeSpan RestartGrace { get; set; } = TimeSpan.FromMilliseconds(300);

    public void Start() => _loop ??= Task.Run(RunAsync);

    public void Dispose()
    {
        _stop.Cancel();
        _work.Writer.TryComplete();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    /// <summary>
    /// A restart request as virt-api records it: a Stop of this VMI and a Start in status.stateChangeRequests. The VM
    /// controller (when started) shuts the old VMI down after <see cref="RestartGrace"/> and starts a new one.
    /// </summary>
    internal void QueueRestart(string ns, string name, string vmiUid)
    {
        Restarts++;
        var vm = _store.Get(ResourceType.VirtualMachine, ns, name)!;
        var next = vm.Object.DeepClone().AsObject();
        var status = next["status"] as JsonObject ?? new JsonObject();
        status["stateChangeRequests"] = new JsonArray(
            new JsonObject { ["action"] = "Stop", ["uid"] = vmiUid },
            new JsonObject { ["action"] = "Start" });
        next["status"] = status;
        _store.Commit(ResourceType.VirtualMachine, next, vm.Managers);
        if (_loop is null)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            if (Guest is { } guest)
            {
                await guest.StopAsync(ns, name, _stop.Token);
            }
            else
            {
                await Task.Delay(RestartGrace, _stop.Token);
            }

            _store.Remove(ResourceType.VirtualMachineInstance, ns, name);
            _store.Atomically(() =>
            {
                if (_store.Get(ResourceType.VirtualMachine, ns, name) is { } current && current.Object["status"] is JsonObject s)
                {
                    var cleared = current.Object.DeepClone().AsObject();
                    cleared["status"]!.AsObject().Remove("stateChangeRequests");
                    _store.Commit(ResourceType.VirtualMachine, cleared, current.Managers);
                }

                return true;
            });
        }, _stop.Token);
    }

    internal void Restart(string ns, string name, string action)
    {
        Restarts++;
        _store.Remove(ResourceType.VirtualMachineInstance, ns, name);
        if (action == "stop")
        {
            return;
        }

        _work.Writer.TryWrite(new WatchEvent(0, ResourceType.VirtualMachine, "MODIFIED", _store.Read(ResourceType.VirtualMachine, ns, name) ?? new JsonObject()));
    }

    private async Task RunAsync()
    {
        try
        {
            await foreach (var e in _work.Reader.ReadAllAsync(_stop.Token))
            {
                var ns = e.Object["metadata"]?["namespace"]?.GetValue<string>();
                var name = e.Object["metadata"]?["name"]?.GetValue<string>();
                if (ns is null || name is null)
                {
                    continue;
                }

                if (e.Type == ResourceType.Service)
                {
                    SyncEndpoints(ns, e.EventType == "DELETED" ? [] : [e.Object]);
                }
                else if (e.Type == ResourceType.VirtualMachineInstance)
                {
                    // The Services whose selector picks this instance's labels (its old ones are its new ones: a VMI's
                    // labels come from the template at its start), as the EndpointSlice controller's pod handler does.
                    SyncEndpoints(ns, _store.Select(ResourceType.Service, ns, service => Selects(service, e.Object)));
                }

                if (e.Type == ResourceType.DataVolume && e.EventType == "ADDED")
                {
                    _ = Task.Run(() => ImportAsync(ns, name), _stop.Token);
                }
                else if (e.Type == ResourceType.DataVolume && e.Object["status"]?["phase"]?.GetValue<string>() == "Succeeded")
                {
                    // The VMs whose volumes name this DataVolume (KubeVirt's VM controller watches DataVolumes and
                    // enqueues the VMs that use them), not every VM of the namespace.
                    foreach (var vm in _store.Select(ResourceType.VirtualMachine, ns, v => UsesDataVolume(v["spec"]?["template"]?["spec"], name)))
                    {
                        ReconcileVmInBackground(ns, vm["metadata"]!["name"]!.GetValue<string>());
                    }
                }
                else if (e.Type == ResourceType.VirtualMachine && e.EventType != "DELETED" && e.Object["metadata"]?["deletionTimestamp"] is not null)
                {
                    FinishVmDeletion(ns, name);
                }
                else if (e.Type == ResourceType.VirtualMachineInstance && e.EventType == "MODIFIED" && e.Object["metadata"]?["deletionTimestamp"] is not null)
                {
                    _ = Task.Run(() => ShutDownAsync(ns, name), _stop.Token);
                }
                else if (e.Type == ResourceType.VirtualMachineInstance && e.EventType == "DELETED")
                {
                    FinishVmDeletion(ns, name);
                }
                else if (e.Type == ResourceType.VirtualMachine && e.EventType != "DELETED")
                {
                    ReconcileVmInBackground(ns, name);
                }
                else if (e.Type == ResourceType.VirtualMachine && e.EventType == "DELETED")
                {
                    _store.Remove(ResourceType.VirtualMachineInstance, ns, name);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>KubeVirt's VM finalizer, which virt-controller removes once the VM's instance is gone.</summary>
    public const string VmFinalizer = "kubevirt.io/virtualMachineControllerFinalize";

    /// <summary>The finalizer virt-controller puts on a VMI; a deleted VMI goes once its guest has shut down.</summary>
    public const string VmiFinalizer = "kubevirt.io/foregroundDeleteVirtualMachine";

    // A VMI being deleted stays while its guest shuts down (the grace period), then goes; a VM being deleted loses its
    // finalizer once its VMI is gone (kubevirt/kubevirt pkg/virt-controller/watch/vm.go).
    private async Task ShutDownAsync(string ns, string name)
    {
        await Task.Delay(RestartGrace, _stop.Token);
        _store.RemoveFinalizer(ResourceType.VirtualMachineInstance, ns, name, VmiFinalizer);
    }

    private void FinishVmDeletion(string ns, string name)
    {
        // A VM being deleted without Foreground propagation (kubectl delete's Background) still has its instance:
        // virt-controller stops it first (kubevirt/kubevirt pkg/virt-controller/watch/vm.go, a VM with a
        // deletionTimestamp has its VMI deleted), and the VM's finalizer goes once the VMI is gone.
        if (_store.Read(ResourceType.VirtualMachine, ns, name) is { } deleting && deleting["metadata"]?["deletionTimestamp"] is not null
            && _store.Get(ResourceType.VirtualMachineInstance, ns, name) is { } running && running.Object["metadata"]?["deletionTimestamp"] is null)
        {
            _store.MarkDeleted(running, foreground: false);
            return;
        }

        if (_store.Read(ResourceType.VirtualMachine, ns, name) is { } vm && vm["metadata"]?["deletionTimestamp"] is not null
            && _store.Read(ResourceType.VirtualMachineInstance, ns, name) is null)
        {
            _store.RemoveFinalizer(ResourceType.VirtualMachine, ns, name, VmFinalizer);
        }
    }

    private void EnsureVmFinalizer(string ns, string name) =>
        _store.Atomically(() =>
        {
            if (_store.Get(ResourceType.VirtualMachine, ns, name) is { } stored && stored.Object["metadata"]!["deletionTimestamp"] is null
                && !(stored.Object["metadata"]!["finalizers"]?.AsArray().Any(f => f?.GetValue<string>() == VmFinalizer) ?? false))
            {
                var next = stored.Object.DeepClone().AsObject();
                var list = next["metadata"]!["finalizers"] as JsonArray ?? [];
                list.Add(VmFinalizer);
                next["metadata"]!["finalizers"] = list;
                _store.Commit(ResourceType.VirtualMachine, next, stored.Managers);
            }

            return true;
        });

    private async Task ImportAsync(string ns, string name)
    {
        var dv = _store.Read(ResourceType.DataVolume, ns, name);
        if (dv is null)
        {
            return;
        }

        // A storage class with volumeBindingMode WaitForFirstConsumer binds a claim only when a pod that uses it is
        // scheduled: CDI (v1.66, volume populators: import, upload and blank alike) leaves the DataVolume in
        // PendingPopulation until then (kubevirt/containerized-data-importer release-v1.66
        // doc/waitforfirstconsumer-storage-handling.md). Its consumer is the VM's virt-launcher pod, which exists once
        // the VM controller has made the VMI: a tool that waited for the import before starting the VM would wait forever.
        if (WaitsForFirstConsumer(dv))
        {
            SetStatus(ResourceType.DataVolume, ns, name, new JsonObject
            {
                ["phase"] = "PendingPopulation",
                ["progress"] = "N/A",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Bound", ["status"] = "False", ["reason"] = "Pending", ["message"] = "PVC " + name + " Pending" }),
            });
            while (!HasConsumer(ns, name))
            {
                await Task.Delay(StepOf(name), _stop.Token);
                if (_store.Read(ResourceType.DataVolume, ns, name) is null)
                {
                    return;
                }
            }
        }

        if (dv["spec"]?["source"]?["blank"] is not null)
        {
            SetStatus(ResourceType.DataVolume, ns, name, new JsonObject { ["phase"] = "Succeeded", ["progress"] = "100.0%" });
            return;
        }

        SetStatus(ResourceType.DataVolume, ns, name, new JsonObject { ["phase"] = "ImportScheduled", ["progress"] = "N/A" });
        if (ImportFailsWith is { } failure)
        {
            // Bounded: the simulator stops with the server, and a test's --wait ends long before.
            for (var restarts = 1; restarts <= 10_000; restarts++)
            {
                await Task.Delay(StepOf(name), _stop.Token);
                JsonObject Condition(string type, string status, string reason, string message) =>
                    new() { ["type"] = type, ["status"] = status, ["reason"] = reason, ["message"] = message };
                if (!SetStatus(ResourceType.DataVolume, ns, name, new JsonObject
                {
                    ["phase"] = "ImportInProgress",
                    ["progress"] = "N/A",
                    ["restartCount"] = restarts,
                    ["conditions"] = new JsonArray(
                        Condition("Bound", "True", "Bound", "PVC " + name + " Bound"),
                        Condition("Ready", "False", "TransferRunning", "Import in progress"),
                        Condition("Running", "False", "Error", failure)),
                }))
                {
                    return;
                }
            }

            return;
        }

        foreach (var percent in new[] { 0.0, 12.5, 37.5, 62.5, 87.5, 100.0 })
        {
            await Task.Delay(StepOf(name), _stop.Token);
            if (ImportStallsAt is { } stall && percent >= stall)
            {
                return;
            }

            var phase = percent < 100 ? "ImportInProgress" : "Succeeded";
            var progress = percent < 100 ? percent.ToString("0.00", CultureInfo.InvariantCulture) + "%" : "100.0%";
            if (!SetStatus(ResourceType.DataVolume, ns, name, new JsonObject { ["phase"] = phase, ["progress"] = progress }))
            {
                return;
            }
        }
    }

    private bool WaitsForFirstConsumer(JsonObject dv)
    {
        var className = (dv["spec"]?["storage"] ?? dv["spec"]?["pvc"])?["storageClassName"]?.GetValue<string>();
        var storageClass = className is not null
            ? _store.Read(ResourceType.StorageClass, null, className)
            : _store.List(ResourceType.StorageClass, null).FirstOrDefault(c => c["metadata"]?["annotations"]?["storageclass.kubernetes.io/is-default-class"]?.GetValue<string>() == "true");
        return storageClass?["volumeBindingMode"]?.GetValue<string>() == "WaitForFirstConsumer";
    }

    // A VMI of a VM whose volumes name the DataVolume: its virt-launcher pod is the claim's first consumer.
    private bool HasConsumer(string ns, string dataVolume) =>
        _store.Select(ResourceType.VirtualMachineInstance, ns, vmi => UsesDataVolume(vmi["spec"], dataVolume)).Count > 0;

    private static bool UsesDataVolume(JsonNode? vmiSpec, string dataVolume) =>
        (vmiSpec?["volumes"]?.AsArray() ?? []).Any(v => v?["dataVolume"]?["name"]?.GetValue<string>() == dataVolume);

    private static bool Selects(JsonObject service, JsonObject vmi) =>
        service["spec"]?["selector"] is JsonObject { Count: > 0 } selector
        && selector.All(kv => vmi["metadata"]?["labels"]?[kv.Key]?.GetValue<string>() == kv.Value?.GetValue<string>());

    private async Task ReconcileVmAsync(string ns, string name)
    {
        var vm = _store.Read(ResourceType.VirtualMachine, ns, name);
        if (vm is null || vm["metadata"]?["deletionTimestamp"] is not null)
        {
            return;
        }

        EnsureVmFinalizer(ns, name);
        var strategy = vm["spec"]?["runStrategy"]?.GetValue<string>() ?? "Halted";
        var volumes = vm["spec"]?["template"]?["spec"]?["volumes"]?.AsArray() ?? [];
        var pending = volumes
            .Select(v => v?["dataVolume"]?["name"]?.GetValue<string>())
            .Where(dv => dv is not null && _store.Read(ResourceType.DataVolume, ns, dv)?["status"]?["phase"]?.GetValue<string>() != "Succeeded")
            .ToList();
        if (strategy is "Halted" or "Manual")
        {
            SetStatus(ResourceType.VirtualMachine, ns, name, VmStatus("Stopped", false, false));
            return;
        }

        // The VM controller creates the VMI at once, standalone DataVolumes still importing or not; it stays Pending (no
        // pod yet) until they are ready (kubevirt/kubevirt v1.9.0 pkg/virt-controller/watch/vm/vm.go, startVMI;
        // ../shared/reference/real-cluster-behaviour.md, "VM restart subresource": so a restart while importing is 202).
        var existing = _store.Read(ResourceType.VirtualMachineInstance, ns, name);
        if (existing is not null && existing["status"]?["phase"]?.GetValue<string>() is not (null or "Pending"))
        {
            return;
        }

        if (existing is null)
        {
            if (vm["spec"]?["template"]?["spec"]?["domain"]?["devices"]?["tpm"]?["persistent"]?.GetValue<bool>() == true)
            {
                EnsurePersistentState(vm, ns, name);
            }

            _agentConnected[(ns, name)] = false;
            _store.Commit(ResourceType.VirtualMachineInstance, NewVmi(vm, ns, name), []);
            SetStatus(ResourceType.VirtualMachineInstance, ns, name, new JsonObject { ["phase"] = "Pending" });
        }

        if (pending.Count > 0)
        {
            SetStatus(ResourceType.VirtualMachine, ns, name, VmStatus("Provisioning", true, false));
            return;
        }

        SetStatus(ResourceType.VirtualMachine, ns, name, VmStatus("Starting", true, false));

        // Pending -> Scheduling (the virt-launcher pod is created) -> Scheduled (the pod runs) -> Running (virt-handler
        // has started the domain): kubevirt/kubevirt v1.9.0 pkg/virt-controller/watch/vmi/vmi.go and virt-handler.
        foreach (var phase in new[] { "Scheduling", "Scheduled" })
        {
            if (!SetStatus(ResourceType.VirtualMachineInstance, ns, name, new JsonObject { ["phase"] = phase, ["nodeName"] = phase == "Scheduled" ? NodeName : null })
                || !SyncLauncherPod(ns, name, scheduled: phase == "Scheduled"))
            {
                return;
            }

            await Task.Delay(StepOf(name) / 2, _stop.Token);
        }

        var probed = HasReadinessProbe(vm);
        _containerStarted[(ns, name)] = DateTime.UtcNow;
        SetStatus(ResourceType.VirtualMachineInstance, ns, name, VmiStatus(vm, agentConnected: false, ready: !probed));
        SetStatus(ResourceType.VirtualMachine, ns, name, VmStatus("Running", true, !probed));
        if (AgentNeverConnects)
        {
            return;
        }

        if (Guest is { } guest)
        {
            await BootGuestAsync(guest, ns, name);
            return;
        }

        await Task.Delay(StepOf(name), _stop.Token);
        _agentConnected[(ns, name)] = true;
        Probe(ns, name);
    }

    // The real guest boots from the VM and what it refers to as they are now; the agent is connected once the boot
    // returns, and the readiness probe runs in the guest on the VM's schedule for as long as this instance lives.
    private async Task BootGuestAsync(IGuestMachine guest, string ns, string name)
    {
        if (_store.Read(ResourceType.VirtualMachine, ns, name) is not { } vm || _store.Read(ResourceType.VirtualMachineInstance, ns, name) is not { } vmi)
        {
            return;
        }

        var uid = vmi["metadata"]!["uid"]!.GetValue<string>();
        var objects = new List<JsonObject> { vm };
        foreach (var type in new[] { ResourceType.ConfigMap, ResourceType.Secret, ResourceType.DataVolume })
        {
            objects.AddRange(_store.List(type, ns));
        }

        await guest.BootAsync(vm, objects, _stop.Token);
        _agentConnected[(ns, name)] = true;
        var probe = vm["spec"]?["template"]?["spec"]?["readinessProbe"] as JsonObject;
        SetStatus(ResourceType.VirtualMachineInstance, ns, name, VmiStatus(vm, agentConnected: true, ready: probe is null));
        if (probe is null)
        {
            return;
        }

        // Not under the VM's reconcile gate: the probe runs for the instance's life, the next restart's reconcile with it.
        _ = Task.Run(() => ProbeGuestAsync(guest, vm, probe, uid), _stop.Token);
    }

    // kubelet's prober worker (kubernetes v1.35 pkg/kubelet/prober/worker.go): the first run initialDelaySeconds after
    // the container started, then every periodSeconds; Ready after successThreshold passes in a row, not Ready after
    // failureThreshold failures in a row.
    private async Task ProbeGuestAsync(IGuestMachine guest, JsonObject vm, JsonObject probe, string uid)
    {
        var ns = vm["metadata"]!["namespace"]!.GetValue<string>();
        var name = vm["metadata"]!["name"]!.GetValue<string>();
        int Seconds(string field, int fallback) => probe[field]?.GetValue<int>() ?? fallback;
        var period = TimeSpan.FromSeconds(Math.Max(1, Seconds("periodSeconds", 10)) * ProbeTimeScale);
        var started = _containerStarted.GetValueOrDefault((ns, name), DateTime.UtcNow);
        var first = started + TimeSpan.FromSeconds(Seconds("initialDelaySeconds", 0) * ProbeTimeScale) - DateTime.UtcNow;
        if (first > TimeSpan.Zero)
        {
            await Task.Delay(first, _stop.Token);
        }

        var ready = false;
        bool? last = null;
        var streak = 0;
        while (_store.Read(ResourceType.VirtualMachineInstance, ns, name) is { } current && current["metadata"]!["uid"]!.GetValue<string>() == uid
            && current["metadata"]?["deletionTimestamp"] is null)
        {
            var (exitCode, _) = await guest.ProbeAsync(ns, name, _stop.Token);
            var passed = exitCode == 0;
            streak = passed == last ? streak + 1 : 1;
            last = passed;
            if (passed != ready && streak >= (passed ? Math.Max(1, Seconds("successThreshold", 1)) : Math.Max(1, Seconds("failureThreshold", 3))))
            {
                ready = passed;
                SetStatus(ResourceType.VirtualMachineInstance, ns, name, VmiStatus(vm, agentConnected: true, ready));
                SetStatus(ResourceType.VirtualMachine, ns, name, VmStatus("Running", true, ready));
            }

            await Task.Delay(period, _stop.Token);
        }
    }

    private static JsonObject NewVmi(JsonObject vm, string ns, string name)
    {
        var vmi = new JsonObject
        {
            ["apiVersion"] = "kubevirt.io/v1",
            ["kind"] = "VirtualMachineInstance",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                // The template's metadata, labels and annotations both (kubevirt/kubevirt v1.9.0
                // pkg/virt-controller/watch/vm/vm.go, setupVMIFromVM: vmi.ObjectMeta = *vm.Spec.Template.ObjectMeta.DeepCopy()).
                ["labels"] = vm["spec"]?["template"]?["metadata"]?["labels"]?.DeepClone(),
                ["annotations"] = vm["spec"]?["template"]?["metadata"]?["annotations"]?.DeepClone(),
                ["ownerReferences"] = OwnedBy(vm),
                ["finalizers"] = new JsonArray(VmiFinalizer),
            },
            ["spec"] = vm["spec"]?["template"]?["spec"]?.DeepClone(),
        };
        return vmi;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), bool> _agentConnected = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), GuestState> _guests = new();

    /// <summary>
    /// What the simulator's guests are: a guest's readiness probe answers what the real health program
    /// (files/guest/kvedge-health.sh) answers in a stand-in guest in that state (<see cref="StandInGuest"/>), once per
    /// state. A new device has no deployment yet (edgeAgent alone, ../shared/reference/stock-guest-behaviour.md).
    /// </summary>
    private enum GuestState
    {
        NoDeployment,
        Deployed,
        EdgeAgentStopped,
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<GuestState, Lazy<bool>> Verdicts = new();

    /// <summary>
    /// Whether the guest's readiness probe (kvedge-health through the guest agent) passes for VM ns/name from now on:
    /// as the health program judges a device whose edgeAgent is stopped (false), or one with no deployment yet (true,
    /// every new device). KubeVirt runs the probe every periodSeconds; here it is run at once.
    /// </summary>
    public void SetGuestHealthy(string ns, string name, bool healthy)
    {
        _guests[(ns, name)] = healthy ? GuestState.NoDeployment : GuestState.EdgeAgentStopped;
        Probe(ns, name);
    }

    /// <summary>
    /// Whether a guest booted from this instance is healthy, judged from the instance (its spec and annotations, which
    /// come from the VM's template when it starts): a bad change (a pin that breaks IoT Edge) makes every instance
    /// started with it unhealthy, and the instances still running the old one stay healthy. Null: all are.
    /// </summary>
    public Func<JsonObject, bool>? GuestHealthyWith { get; set; }

    /// <summary>The device's IoT Hub deployment has reached its edgeAgent, which runs edgeHub.</summary>
    public void SetGuestDeployed(string ns, string name)
    {
        _guests[(ns, name)] = GuestState.Deployed;
        Probe(ns, name);
    }

    // The real health program's exit code in a stand-in guest in that state: the simulator is only as kind as it is.
    private static bool Passes(GuestState state) => Verdicts.GetOrAdd(state, s => new Lazy<bool>(() =>
    {
        var folder = Directory.CreateTempSubdirectory("kvedge-simulated-guest-").FullName;
        try
        {
            var guest = StandInGuest.Create(folder);
            if (s == GuestState.Deployed)
            {
                guest.Deployed();
            }
            else if (s == GuestState.EdgeAgentStopped)
            {
                guest.SetModule("edgeAgent", "stopped");
            }

            return guest.Health().ExitCode == 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    })).Value;

    // An exec readinessProbe runs in the guest through the agent (kubevirt.io user-guide "Liveness and Readiness
    // Probes": virt-probe in the virt-launcher pod forwards it to qemu-guest-agent), so it cannot pass before the agent
    // connects. The virt-launcher pod's Ready condition follows the probe (kubelet: "containers with unready status"),
    // the VMI's Ready condition copies the pod's status, reason and message (kubevirt/kubevirt
    // pkg/virt-controller/watch/vmi.go, syncReadyConditionFromPod), and the VM's status.ready follows the VMI's Ready.
    //
    // When: as kubelet runs a readiness probe with the VM's own timings (KubeVirt copies the template's readinessProbe to
    // the virt-launcher pod's): the first run initialDelaySeconds after the container started, then every
    // periodSeconds; Ready after successThreshold passes in a row (1), not Ready after failureThreshold failures in a
    // row (kubernetes v1.35 pkg/kubelet/prober/worker.go). Here seconds are scaled by ProbeTimeScale.
    private void Probe(string ns, string name)
    {
        if (_store.Read(ResourceType.VirtualMachine, ns, name) is not { } vm || _store.Read(ResourceType.VirtualMachineInstance, ns, name) is not { } vmi
            || !_agentConnected.GetValueOrDefault((ns, name)))
        {
            return;
        }

        var generation = _probeGenerations.AddOrUpdate((ns, name), 1, (_, g) => g + 1);
        var probe = vm["spec"]?["template"]?["spec"]?["readinessProbe"] as JsonObject;
        var ready = probe is null || (Passes(_guests.GetValueOrDefault((ns, name), GuestState.NoDeployment)) && GuestHealthyWith?.Invoke(vmi) != false);
        var wasReady = vmi["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true;
        var delay = probe is null || ready == wasReady ? TimeSpan.Zero : ProbeDelay(probe, _containerStarted.GetValueOrDefault((ns, name), DateTime.UtcNow), ready);
        // The agent is there now; the readiness it decides follows at the probe's run.
        SetStatus(ResourceType.VirtualMachineInstance, ns, name, VmiStatus(vm, agentConnected: true, wasReady));
        _ = Task.Run(async () =>
        {
            await Task.Delay(delay, _stop.Token);
            if (_probeGenerations.GetValueOrDefault((ns, name)) != generation)
            {
                return;
            }

            SetStatus(ResourceType.VirtualMachineInstance, ns, name, VmiStatus(vm, agentConnected: true, ready));
            SetStatus(ResourceType.VirtualMachine, ns, name, VmStatus("Running", true, ready));
        }, _stop.Token);
    }

    /// <summary>How much shorter than a real one a probe's timing is here (30 s initialDelaySeconds: 300 ms).</summary>
    public double ProbeTimeScale { get; set; } = 0.01;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), DateTime> _containerStarted = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, string), int> _probeGenerations = new();

    // Until the probe run that settles it: the next run on the container's schedule, and for a failure the runs up to
    // failureThreshold.
    private TimeSpan ProbeDelay(JsonObject probe, DateTime started, bool becomesReady)
    {
        int Seconds(string field, int fallback) => probe[field]?.GetValue<int>() ?? fallback;
        var initial = TimeSpan.FromSeconds(Seconds("initialDelaySeconds", 0) * ProbeTimeScale);
        var period = TimeSpan.FromSeconds(Math.Max(1, Seconds("periodSeconds", 10)) * ProbeTimeScale);
        var runs = becomesReady ? Math.Max(1, Seconds("successThreshold", 1)) : Math.Max(1, Seconds("failureThreshold", 3));
        var now = DateTime.UtcNow;
        var next = started + initial;
        if (next < now)
        {
            var elapsed = (now - next).Ticks / Math.Max(1, period.Ticks) + 1;
            next += TimeSpan.FromTicks(period.Ticks * elapsed);
        }

        return next - now + (period * (runs - 1));
    }

    private static bool HasReadinessProbe(JsonObject vm) => vm["spec"]?["template"]?["spec"]?["readinessProbe"] is JsonObject;

    /// <summary>The node every simulated VMI is scheduled to (ContractCluster.SeedHealthyCluster seeds it).</summary>
    public const string NodeName = "edge-node-1";

    private const string PodIp = "10.244.1.17";

    // virt-launcher-<vmi>-<5 random characters>, as the pod's generateName makes it: a restarted VMI's new pod never
    // collides with the old one still being collected.
    private static string LauncherPodName(JsonObject vmi) =>
        $"virt-launcher-{vmi["metadata"]!["name"]}-{vmi["metadata"]!["uid"]!.GetValue<string>()[..5]}";

    // The VMI's virt-launcher pod (kubevirt/kubevirt v1.9.0 pkg/virt-controller/services/template.go): the VMI's labels
    // plus kubevirt.io=virt-launcher and kubevirt.io/created-by=<VMI uid>, owned by the VMI, so it goes with it. Created
    // while the VMI is Scheduling (Pending, no node), bound and Running once Scheduled; status.hostIP is "the IP address
    // of the host to which the pod is assigned" (kubernetes v1.35 staging/src/k8s.io/api/core/v1/types.go, PodStatus),
    // the node's InternalIP here, which a namespace-scoped user can read where it may not list nodes.
    private bool SyncLauncherPod(string ns, string name, bool scheduled) =>
        _store.Atomically(() =>
        {
            if (_store.Read(ResourceType.VirtualMachineInstance, ns, name) is not { } vmi || vmi["metadata"]?["deletionTimestamp"] is not null)
            {
                return false;
            }

            var labels = vmi["metadata"]?["labels"]?.DeepClone() as JsonObject ?? [];
            labels["kubevirt.io"] = "virt-launcher";
            labels["kubevirt.io/created-by"] = vmi["metadata"]!["uid"]!.DeepClone();
            var hostIp = _store.Read(ResourceType.Node, null, NodeName)?["status"]?["addresses"]?.AsArray()
                .FirstOrDefault(a => a?["type"]?.GetValue<string>() == "InternalIP")?["address"]?.GetValue<string>();
            var spec = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "compute", ["image"] = "quay.io/kubevirt/virt-launcher:v1.9.0" }) };
            var status = new JsonObject { ["phase"] = scheduled ? "Running" : "Pending" };
            if (scheduled)
            {
                spec["nodeName"] = NodeName;
                status["podIP"] = PodIp;
                if (hostIp is not null)
                {
                    status["hostIP"] = hostIp;
                }
            }

            var pod = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["metadata"] = new JsonObject
                {
                    ["name"] = LauncherPodName(vmi),
                    ["namespace"] = ns,
                    ["labels"] = labels,
                    ["ownerReferences"] = OwnedBy(vmi),
                },
                ["spec"] = spec,
                ["status"] = status,
            };
            _store.Commit(ResourceType.Pod, pod, _store.Get(ResourceType.Pod, ns, LauncherPodName(vmi))?.Managers ?? []);
            return true;
        });

    // What KubeVirt's and Kubernetes' controllers put on what they make (a VM's VMI, a VMI's pod, a Service's slice): a
    // controller reference that blocks the owner's deletion, apiVersion and kind from the owner object itself.
    private static JsonArray OwnedBy(JsonObject owner) => new(new JsonObject
    {
        ["apiVersion"] = owner["apiVersion"]!.DeepClone(),
        ["kind"] = owner["kind"]!.DeepClone(),
        ["name"] = owner["metadata"]!["name"]!.DeepClone(),
        ["uid"] = owner["metadata"]!["uid"]!.DeepClone(),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    });

    private void EnsurePersistentState(JsonObject vm, string ns, string name) =>
        _store.Atomically(() =>
        {
            if (_store.List(ResourceType.PersistentVolumeClaim, ns).Any(p => p["metadata"]?["labels"]?["persistent-state-for"]?.GetValue<string>() == name))
            {
                return true;
            }

            _store.Commit(ResourceType.PersistentVolumeClaim, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "PersistentVolumeClaim",
                ["metadata"] = new JsonObject
                {
                    ["name"] = $"persistent-state-for-{name}-{++_persistentStates:D5}",
                    ["namespace"] = ns,
                    ["labels"] = new JsonObject { ["persistent-state-for"] = name },
                    ["ownerReferences"] = OwnedBy(vm),
                },
                ["spec"] = new JsonObject
                {
                    ["accessModes"] = new JsonArray("ReadWriteOnce"),
                    ["resources"] = new JsonObject { ["requests"] = new JsonObject { ["storage"] = "10Mi" } },
                },
            }, []);
            return true;
        });

    // A running VMI on one node with one IP and the interface's MAC (virt-handler reports the guest's MAC in
    // status.interfaces[].mac: kubevirt/kubevirt pkg/network/vmispec, user-guide "Interfaces and Networks"); the guest
    // agent adds its condition and the OS it reports. LiveMigratable is calculated when the VMI starts, largely from the
    // volumes' access mode (user-guide docs/operations/live_migration.md, "Condition and migration method"; the
    // status fields and condition reasons as ../shared/reference/kubevirt-api.md lists them for v1.9.0): kvedge's
    // disks are ReadWriteOnce unless the spec says ReadWriteMany.
    private JsonObject VmiStatus(JsonObject vm, bool agentConnected, bool ready)
    {
        var ns = vm["metadata"]!["namespace"]!.GetValue<string>();
        var mac = vm["spec"]?["template"]?["spec"]?["domain"]?["devices"]?["interfaces"]?[0]?["macAddress"]?.GetValue<string>() ?? "02:00:00:00:00:01";
        var shared = (vm["spec"]?["template"]?["spec"]?["volumes"]?.AsArray() ?? [])
            .Select(v => v?["dataVolume"]?["name"]?.GetValue<string>())
            .OfType<string>()
            .Select(dv => _store.Read(ResourceType.DataVolume, ns, dv)?["spec"]?["storage"]?["accessModes"]?.AsArray().Select(m => m?.GetValue<string>()))
            .All(modes => modes?.Contains("ReadWriteMany") == true);
        var migratable = shared
            ? Condition("LiveMigratable", "True")
            : new JsonObject { ["type"] = "LiveMigratable", ["status"] = "False", ["reason"] = "DisksNotLiveMigratable", ["message"] = "cannot migrate VMI: PVC is not shared, live migration requires that all PVCs must be shared (using ReadWriteMany access mode)" };
        var status = new JsonObject
        {
            ["phase"] = "Running",
            ["nodeName"] = NodeName,
            ["interfaces"] = new JsonArray(new JsonObject { ["name"] = "default", ["ipAddress"] = PodIp, ["ipAddresses"] = new JsonArray(PodIp), ["mac"] = mac }),
            ["conditions"] = agentConnected
                ? new JsonArray(ReadyCondition(ready), migratable, Condition("AgentConnected", "True"))
                : new JsonArray(ReadyCondition(ready), migratable),
        };
        if (agentConnected)
        {
            status["guestOSInfo"] = new JsonObject { ["id"] = "ubuntu", ["prettyName"] = GuestOsPrettyName };
        }

        return status;
    }

    // The pod's Ready condition as kubelet sets it while a container's readiness probe fails (kubernetes/kubernetes
    // pkg/kubelet/status/generate.go: reason ContainersNotReady, "containers with unready status: [...]"); virt-launcher's
    // VM container is "compute".
    private static JsonObject ReadyCondition(bool ready)
    {
        var condition = Condition("Ready", ready ? "True" : "False");
        if (!ready)
        {
            condition["reason"] = "ContainersNotReady";
            condition["message"] = "containers with unready status: [compute]";
        }

        return condition;
    }

    private static JsonObject VmStatus(string printable, bool created, bool ready) => new()
    {
        ["printableStatus"] = printable,
        ["created"] = created,
        ["ready"] = ready,
        ["conditions"] = new JsonArray(Condition("Ready", ready ? "True" : "False")),
    };

    private static JsonObject Condition(string type, string status) => new()
    {
        ["type"] = type,
        ["status"] = status,
        ["lastProbeTime"] = null,
        ["lastTransitionTime"] = "2026-01-01T00:00:00Z",
    };

    // The EndpointSlice controller's part (kubernetes/kubernetes v1.35 pkg/controller/endpointslice; concepts:
    // kubernetes.io/docs/concepts/services-networking/endpoint-slices): each Service with a selector gets a slice
    // (label kubernetes.io/service-name, owned by the Service) with an endpoint per pod its selector matches. The pod
    // here is the VMI's virt-launcher, which carries the VMI's labels and address; its endpoint is ready only while the
    // pod is Ready, which follows the VM's readinessProbe (the VMI's Ready condition), unless the Service publishes
    // not-ready addresses. A Service routes nothing to an endpoint that is not ready.
    private void SyncEndpoints(string ns, IReadOnlyList<JsonObject> services) =>
        _store.Atomically(() =>
        {
            foreach (var service in services)
            {
                if (service["spec"]?["selector"] is not JsonObject { Count: > 0 } selector)
                {
                    continue;
                }

                var vmis = _store.Select(ResourceType.VirtualMachineInstance, ns, v => v["metadata"]?["deletionTimestamp"] is null && Selects(service, v));

                var serviceName = service["metadata"]!["name"]!.GetValue<string>();
                var publishNotReady = service["spec"]?["publishNotReadyAddresses"]?.GetValue<bool>() == true;
                var endpoints = new JsonArray();
                foreach (var vmi in vmis)
                {
                    if (vmi["status"]?["interfaces"]?[0]?["ipAddress"]?.GetValue<string>() is not { Length: > 0 } ip)
                    {
                        continue;
                    }

                    var ready = vmi["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true;
                    var endpoint = new JsonObject
                    {
                        ["addresses"] = new JsonArray(ip),
                        ["conditions"] = new JsonObject { ["ready"] = ready || publishNotReady, ["serving"] = ready, ["terminating"] = false },
                        ["targetRef"] = new JsonObject { ["kind"] = "Pod", ["namespace"] = ns, ["name"] = LauncherPodName(vmi) },
                    };
                    if (vmi["status"]?["nodeName"]?.GetValue<string>() is { } node)
                    {
                        endpoint["nodeName"] = node;
                    }

                    endpoints.Add(endpoint);
                }

                var ports = new JsonArray([.. (service["spec"]?["ports"]?.AsArray() ?? []).Select(p => (JsonNode?)new JsonObject
                {
                    ["name"] = p?["name"]?.DeepClone() ?? "",
                    ["port"] = (p?["targetPort"] ?? p?["port"])?.DeepClone(),
                    ["protocol"] = p?["protocol"]?.DeepClone() ?? "TCP",
                })]);
                var slice = new JsonObject
                {
                    ["apiVersion"] = "discovery.k8s.io/v1",
                    ["kind"] = "EndpointSlice",
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = $"{serviceName}-kvsim",
                        ["namespace"] = ns,
                        ["labels"] = new JsonObject
                        {
                            ["kubernetes.io/service-name"] = serviceName,
                            ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io",
                        },
                        ["ownerReferences"] = OwnedBy(service),
                    },
                    ["addressType"] = "IPv4",
                    ["endpoints"] = endpoints,
                    ["ports"] = ports,
                };
                var current = _store.Get(ResourceType.EndpointSlice, ns, $"{serviceName}-kvsim");
                if (current is null || !JsonNode.DeepEquals(current.Object["endpoints"], endpoints) || !JsonNode.DeepEquals(current.Object["ports"], ports))
                {
                    _store.Commit(ResourceType.EndpointSlice, slice, current?.Managers ?? []);
                }
            }

            return true;
        });

    private bool SetStatus(ResourceType type, string ns, string name, JsonObject status) =>
        _store.Atomically(() =>
        {
            var stored = _store.Get(type, ns, name);
            if (stored is null)
            {
                return false;
            }

            if (JsonNode.DeepEquals(stored.Object["status"], status))
            {
                return true;
            }

            var next = stored.Object.DeepClone().AsObject();
            next["status"] = status;
            _store.Commit(type, next, stored.Managers);
            return true;
        });
}
