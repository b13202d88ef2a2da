using System.Diagnostics;
using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Core.IotHub;
using KVEdge.Core.Kube;
using KVEdge.Core.Rendering;
using KVEdge.Core.Spec;
using KVEdge.Core.Validation;

namespace KVEdge.Core.Controllers;

/// <summary>
/// The EdgeDevice controller `kvedge operator` runs: informers on EdgeDevices and on the objects kvedge renders (and the
/// VMIs), every change mapped to its device's key on a rate-limited work queue, a few workers that never run one key
/// twice at once, and each key reconciled by the same <see cref="DeviceReconciler"/> `kvedge install` runs (shape after
/// KubeVirt's pkg/virt-controller/watch and controller-runtime v0.24.1 pkg/internal/controller/controller.go). A
/// reconcile reads only the caches (no GET, no LIST); it writes only what changed: an unchanged device costs no request.
/// </summary>
public sealed class EdgeDeviceController
{
    /// <summary>The finalizer that applies kvedge's data rule when an EdgeDevice is deleted.</summary>
    public const string Finalizer = "kvedge.io/data-protection";

    /// <summary>The annotation that makes deleting an EdgeDevice delete its data disk, credentials and vTPM state too.</summary>
    public const string PurgeAnnotation = "kvedge.io/purge";

    private static readonly ClusterResource[] Rendered = [.. ClusterResource.Rendered];

    private readonly IClusterClient _cluster;
    private readonly ControllerOptions _options;
    private readonly TimeProvider _clock;
    private readonly Dictionary<ClusterResource, Informer> _children = [];
    private readonly Informer _vmis;

    public EdgeDeviceController(IClusterClient cluster, ControllerOptions options, TimeProvider? clock = null)
    {
        _cluster = cluster;
        _options = options;
        _clock = clock ?? TimeProvider.System;
        Queue = new Workqueue(_clock, options.RetryBase);
        // What the caches keep (bench/README.md, the operator's memory): no managedFields but the operator's own (the
        // reconciler reads its ownership of a DataVolume's spec); of the rendered objects, long values (the config
        // ConfigMap's files, cloud-init) as digests, which the unchanged check compares against; every object indexed
        // by its device. The EdgeDevices keep their spec whole: it is the input.
        Devices = new Informer(cluster, ClusterResource.EdgeDevice, options.Namespace, null, _clock)
        {
            Transform = CacheTransform.Compact(keepManager: null, digestLongStrings: false),
        };
        Devices.Changed += (_, obj) => Queue.Add(Key(NamespaceOf(obj), NameOf(obj)));
        foreach (var resource in Rendered)
        {
            var informer = new Informer(cluster, resource, options.Namespace, StandardLabels.DeviceSelector(null), _clock)
            {
                Transform = CacheTransform.Compact(ControllerOptions.FieldManager, digestLongStrings: true),
                IndexBy = DeviceKeyOf,
            };
            informer.Changed += (_, obj) => Owner(obj);
            _children[resource] = informer;
        }

        // A VMI carries only its template's labels, the device label among them.
        _vmis = new Informer(cluster, ClusterResource.VirtualMachineInstance, options.Namespace, StandardLabels.Device, _clock)
        {
            Transform = CacheTransform.Compact(keepManager: null, digestLongStrings: false),
        };
        _vmis.Changed += (_, obj) => Owner(obj);

        Events = new EventRecorder(cluster, _clock, "kvedge.io/edgedevice-controller", () => Instance);
        Events.Dropped += line => Log?.Invoke(line);
        Rollouts = new RolloutController(cluster, options, _clock, Devices, _children[ClusterResource.VirtualMachine], _vmis, Events);
        Rollouts.Log += line => Log?.Invoke(line);
        // Whatever moves a device (its spec, its VM, its instance) or a policy may move its namespace's rollout.
        foreach (var informer in new[] { Devices, _children[ClusterResource.VirtualMachine], _vmis, Rollouts.Policies })
        {
            informer.Changed += (_, obj) => Queue.Add(RolloutController.Key(NamespaceOf(obj)));
        }
    }

    /// <summary>The rollouts of changes that need a restart, per namespace (RolloutPolicy).</summary>
    public RolloutController Rollouts { get; }

    public EventRecorder Events { get; }

    public Informer Devices { get; }

    private readonly HashSet<string> _initial = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _initialDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _initialStarted;

    /// <summary>Completes once every device there was at the start has been reconciled once (a start's work is done).</summary>
    public Task InitialReconcile => _initialDone.Task;

    public Workqueue Queue { get; }

    public ControllerStats Stats { get; } = new();

    /// <summary>What the controller did, a line at a time, for its log (no credential is ever in one).</summary>
    public event Action<string>? Log;

    /// <summary>Every informer: the devices', the rendered kinds', the VMIs'.</summary>
    public IEnumerable<Informer> Informers => [Devices, .. _children.Values, _vmis];

    public bool HasSynced => Informers.All(i => i.HasSynced);

    /// <summary>Starts the informers, waits for their first lists, then reconciles until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var informers = Informers.Append(Rollouts.Policies).Select(i => Task.Run(() => i.RunAsync(ct), ct)).ToList();
        await Task.WhenAll(Informers.Select(i => i.WaitForSyncAsync(ct))).ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        var devices = Devices.List();
        Log?.Invoke($"caches synced: {devices.Count} EdgeDevices");
        lock (_initial)
        {
            _initial.UnionWith(devices.Select(d => Key(NamespaceOf(d), NameOf(d))));
            _initialStarted = started;
            if (_initial.Count == 0)
            {
                _initialDone.TrySetResult();
            }
        }

        foreach (var device in devices)
        {
            Queue.Add(Key(NamespaceOf(device), NameOf(device)));
        }

        foreach (var ns in devices.Select(NamespaceOf).Distinct())
        {
            Queue.Add(RolloutController.Key(ns));
        }

        var workers = Enumerable.Range(0, Math.Max(1, _options.Workers)).Select(_ => Task.Run(() => WorkAsync(ct), ct)).ToList();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(_options.Resync, _clock, ct).ConfigureAwait(false);
                foreach (var device in Devices.List())
                {
                    Queue.Add(Key(NamespaceOf(device), NameOf(device)));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        Queue.Dispose();
        await Task.WhenAll(workers.Concat(informers).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            string key;
            try
            {
                key = await Queue.NextAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            try
            {
                var slash = key.IndexOf('/', StringComparison.Ordinal);
                var result = key[(slash + 1)..] == RolloutController.KeyName
                    ? await Rollouts.ReconcileAsync(key[..slash], ct).ConfigureAwait(false)
                    : await ReconcileAsync(key[..slash], key[(slash + 1)..], ct).ConfigureAwait(false);
                Stats.Reconciled(result, Stopwatch.GetElapsedTime(started));
                Reconciled(key);
                if (result.Retry)
                {
                    var delay = Queue.AddRateLimited(key);
                    Log?.Invoke($"{key}: will retry in {GoDuration.Format(delay)}");
                }
                else
                {
                    Queue.Forget(key);
                    if (result.After is { } after)
                    {
                        Queue.AddAfter(key, after);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is ClusterApiException or ClusterUnavailableException)
            {
                Stats.Reconciled(ControllerResult.RetryLater, Stopwatch.GetElapsedTime(started));
                Log?.Invoke($"{key}: {DeviceConditions.Bounded(ex.Message)}");
                Queue.AddRateLimited(key);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A defect in one device's reconcile must not take a worker with it (controller-runtime recovers a
                // reconciler's panic the same way): said, and retried with the key's backoff. Only the exception's type,
                // as the CLI says an internal error: its text could carry a value of the spec.
                Stats.Reconciled(ControllerResult.RetryLater, Stopwatch.GetElapsedTime(started));
                Log?.Invoke($"{key}: internal error: {ex.GetType().Name}");
                Queue.AddRateLimited(key);
            }
            finally
            {
                Queue.Done(key);
            }
        }
    }

    private void Reconciled(string key)
    {
        lock (_initial)
        {
            if (_initial.Remove(key) && _initial.Count == 0 && _initialDone.TrySetResult())
            {
                Log?.Invoke($"initial reconcile done: every device looked at once in {GoDuration.Format(Stopwatch.GetElapsedTime(_initialStarted))} ({Stats.Writes} writes)");
            }
        }
    }

    /// <summary>One device, from the caches: its deletion, its suspension, its spec checked, applied, and its status.</summary>
    public async Task<ControllerResult> ReconcileAsync(string ns, string name, CancellationToken ct)
    {
        if (Devices.Get(ns, name) is not { } cr)
        {
            return ControllerResult.Done;
        }

        var metadata = cr["metadata"]!.AsObject();
        var generation = metadata["generation"]?.GetValue<long>() ?? 1;
        var previous = EdgeDeviceStatus.ConditionsOf(cr["status"]);
        if (metadata["deletionTimestamp"] is not null)
        {
            return await FinalizeAsync(cr, ns, name, ct).ConfigureAwait(false);
        }

        // Suspended: nothing written for it, not even its status (Flux's spec.suspend).
        if (cr["spec"]?["suspend"]?.GetValue<bool>() == true)
        {
            return ControllerResult.Done;
        }

        // A credential in the CR itself (one stored before the CRD's rule refused it): Stalled, naming the field, and
        // the value goes nowhere, not even into the binder.
        if (cr["spec"]?["iotEdge"]?["credentials"] is JsonObject inline
            && EdgeDeviceCrd.InlineCredentialFields.Where(inline.ContainsKey).ToList() is { Count: > 0 } named)
        {
            return await StallAsync(cr, string.Join("; ", named.Select(f => $"spec.iotEdge.credentials.{f}: {EdgeDeviceCrd.InlineCredentialMessage} [inline-credential]")), ct).ConfigureAwait(false);
        }

        var diagnostics = new DiagnosticBag();
        var bindings = DeviceLoader.Load([new InputFile($"edgedevice {ns}/{name}", InputOf(cr).ToJsonString())], [], ns, diagnostics);
        if (diagnostics.HasErrors)
        {
            // The CLI's messages: the field path and the rule, never a credential. Nothing of the spec is applied.
            return await StallAsync(cr, string.Join("; ", diagnostics.Items.Where(d => d.IsError).Select(d => $"{d.Path}: {d.Message} [{d.Rule}]")), ct).ConfigureAwait(false);
        }

        var spec = bindings[0].Value;
        var registered = EdgeDeviceStatus.RegisteredGenerationOf(cr["status"]);
        if (spec.Spec.IotEdge?.Registration is not null)
        {
            var (stop, generationRegistered) = await RegisterAsync(cr, spec, ns, name, generation, registered, previous, ct).ConfigureAwait(false);
            if (stop is { } stopped)
            {
                return stopped;
            }

            registered = generationRegistered;
        }

        var device = DeviceRenderer.Render(spec, ns);
        var violations = AdmissionRules.Check(device.Objects).ToList();
        if (violations.Count > 0)
        {
            return await StallAsync(cr, string.Join("; ", violations.Select(v => $"{v.Target} {v.Path}: {v.Message}")), ct).ConfigureAwait(false);
        }

        if (!HasFinalizer(cr))
        {
            await PatchFinalizersAsync(cr, present: true, ct).ConfigureAwait(false);
        }

        // Forced: a field someone changed by hand (kubectl edit) is the controller's to put back, not a conflict to stop
        // on ("controllers should always force conflicts on objects that they own and manage", Server-Side Apply,
        // https://kubernetes.io/docs/reference/using-api/server-side-apply/#using-server-side-apply-in-a-controller).
        // A change that needs a restart is not restarted here: the namespace's rollout restarts it, health-gated
        // (RolloutController, RolloutPolicy), so a bad change stops at the first device rather than reaching all.
        var options = new InstallOptions(Upgrade: false, DryRunMode.None, ForceConflicts: true, Wait: false, TimeSpan.Zero, Restart: false)
        {
            Rollout = true,
            Manager = ControllerOptions.FieldManager,
            Owner = new JsonObject
            {
                ["apiVersion"] = EdgeDevice.ApiVersionValue,
                ["kind"] = EdgeDevice.KindValue,
                ["name"] = name,
                ["uid"] = metadata["uid"]!.GetValue<string>(),
                ["controller"] = true,
                ["blockOwnerDeletion"] = true,
            },
            DeletionPoll = _options.DeletionPoll,
        };
        var live = LiveObjects.FromCaches(ns, Rendered.Select(r => (r, (IEnumerable<JsonObject>)_children[r].ByIndex(Key(ns, name)))));
        var reporter = new CountingReporter();
        var scope = new DeviceScope(device, live, options, reporter);
        var result = await new DeviceReconciler(_cluster).ReconcileAsync(scope, ct).ConfigureAwait(false);
        Stats.Wrote(reporter.Writes);
        if (reporter.Writes > 0)
        {
            Log?.Invoke($"{ns}/{name}: {string.Join(", ", reporter.Changes.Where(c => c.Action != ChangeAction.Unchanged).Select(c => $"{c.Resource.DisplayName}/{c.Name} {c.Action.ToString().ToLowerInvariant()}"))}");
        }

        if (result.Step == ReconcileStep.Requeue)
        {
            return ControllerResult.RequeueAfter(result.RequeueAfter);
        }

        if (scope.RestartReasons.Count > 0)
        {
            Rollouts.ChangedNow(ns, name);
            Queue.Add(RolloutController.Key(ns));
        }

        if (scope.Failure is { } failure)
        {
            await WriteStatusAsync(cr, new EdgeDeviceStatus
            {
                ObservedGeneration = generation,
                Conditions = DeviceConditions.Failed(failure.Reason, failure.Message, generation, previous, _clock.GetUtcNow()),
                Stage = WaitStage.Failed.ToString(),
                IotEdgeVersion = spec.Spec.IotEdge?.Version,
                RegisteredGeneration = registered,
            }, ct).ConfigureAwait(false);
            return DeviceConditions.IsTransient(failure.Reason) ? ControllerResult.RetryLater : ControllerResult.Done;
        }

        var vm = _children[ClusterResource.VirtualMachine].Get(ns, scope.Names.VirtualMachine);
        var vmi = _vmis.Get(ns, scope.Names.VirtualMachine);
        var dataVolumes = _children[ClusterResource.DataVolume].ByIndex(Key(ns, name)).ToList();
        var readiness = DeviceReadiness.Of(name, vm, vmi, dataVolumes, device.Objects.Count(o => o.Kind == ClusterResource.DataVolume.Kind), scope.ReplacedVmi);
        var root = dataVolumes.FirstOrDefault(dv => dv["metadata"]!["name"]!.GetValue<string>() == scope.Names.RootDisk);
        var summary = DeviceSummary.Of(readiness, vm, vmi, root, generation, previous, _clock.GetUtcNow(), spec.Spec.IotEdge?.Version);
        summary.RegisteredGeneration = registered;
        await WriteStatusAsync(cr, summary, ct).ConfigureAwait(false);
        return readiness.Stage switch
        {
            WaitStage.Ready or WaitStage.NotWaited => ControllerResult.RequeueAfter(_options.Resync),
            WaitStage.Failed => ControllerResult.Done,
            _ => ControllerResult.RequeueAfter(_options.NotReadyPoll),
        };
    }

    // spec.iotEdge.registration, as `kvedge install` does it first: the identity or enrollment, the base deployment and
    // the twin tags, the generated key into the device's spec so that the credentials Secret carries it. Asked of the
    // services once per generation (their registry operations are throttled per unit); at a resync the key comes back
    // from the credentials Secret the operator wrote. A failure is the device's condition (RegistrationFailed, the
    // service's answer, never a key) and nothing is applied; it is retried with the queue's backoff.
    private async Task<(ControllerResult? Stop, long? Registered)> RegisterAsync(JsonObject cr, EdgeDevice spec, string ns, string name, long generation, long? registered,
        IList<EdgeDeviceCondition> previous, CancellationToken ct)
    {
        var iot = spec.Spec.IotEdge!;
        var needsKey = iot.Credentials.ExistingSecret is null && iot.Credentials.SymmetricKey is null && ProvisioningModes.RegistrationSuppliesKey(iot);
        var names = new ObjectNames(name);
        var stored = _children[ClusterResource.Secret].Get(ns, names.CredentialsSecret)?["data"]?[CredentialKey.SymmetricKey.SecretKey]?.GetValue<string>();
        string? storedKey = null;
        try
        {
            storedKey = stored is null ? null : System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(stored));
        }
        catch (FormatException)
        {
            // Not a key kvedge wrote: registered again below.
        }

        if (registered == generation && (!needsKey || storedKey is not null))
        {
            if (needsKey)
            {
                iot.Credentials.SymmetricKey = storedKey;
            }

            return (null, registered);
        }

        var connector = _options.Iot ?? _ownConnector.Value;
        var force = cr["metadata"]?["annotations"]?[ForceIdentityAnnotation]?.GetValue<string>() == "true";
        var outcome = (await new RegisterAction(_cluster, connector).RegisterAsync([spec], ns, new RegisterOptions(DryRun: false, ForceIdentity: force), ct).ConfigureAwait(false)).Single();
        if (outcome.Error is { } error)
        {
            Log?.Invoke($"{ns}/{name}: registration: {DeviceConditions.Bounded(error)}");
            await WriteStatusAsync(cr, new EdgeDeviceStatus
            {
                ObservedGeneration = generation,
                Conditions = DeviceConditions.Failed(outcome.Conflict ? DeviceConditions.IdentityConflict : DeviceConditions.RegistrationFailed, error, generation, previous, _clock.GetUtcNow()),
                Stage = WaitStage.Failed.ToString(),
                IotEdgeVersion = iot.Version,
                RegisteredGeneration = registered,
            }, ct).ConfigureAwait(false);
            return (ControllerResult.RetryLater, registered);
        }

        foreach (var change in outcome.Changes)
        {
            Log?.Invoke($"{ns}/{name}: {change}");
        }

        // A DPS TPM enrollment waits for the endorsement key, which the operator cannot read (it logs in to no VM):
        // the device is applied all the same, and registration is tried again at the next reconcile.
        if (outcome.Pending is { } pending)
        {
            Log?.Invoke($"{ns}/{name}: registration: {DeviceConditions.Bounded(pending)}");
            return (null, registered);
        }

        if (needsKey && outcome.Key is { } key)
        {
            iot.Credentials.SymmetricKey = key.Reveal();
        }

        return (null, generation);
    }

    /// <summary>The annotation that lets the operator replace an identity of another authentication type (--force-identity).</summary>
    public const string ForceIdentityAnnotation = "kvedge.io/force-identity";

    private readonly Lazy<IotServiceConnector> _ownConnector = new(() => new IotServiceConnector());

    // An invalid spec: Stalled with what is wrong, and nothing of it applied; a spec change brings it back.
    private async Task<ControllerResult> StallAsync(JsonObject cr, string message, CancellationToken ct)
    {
        var generation = cr["metadata"]?["generation"]?.GetValue<long>() ?? 1;
        await WriteStatusAsync(cr, new EdgeDeviceStatus
        {
            ObservedGeneration = generation,
            Conditions = DeviceConditions.Failed(DeviceConditions.InvalidSpec, message, generation, EdgeDeviceStatus.ConditionsOf(cr["status"]), _clock.GetUtcNow()),
            Stage = WaitStage.Failed.ToString(),
        }, ct).ConfigureAwait(false);
        return ControllerResult.Done;
    }

    // Deleting an EdgeDevice: `kvedge uninstall` for it (its VM, config, cloud-init and Service go; the data disk, the
    // credentials and the vTPM state stay, unless the purge annotation says otherwise), then the finalizer goes.
    private async Task<ControllerResult> FinalizeAsync(JsonObject cr, string ns, string name, CancellationToken ct)
    {
        if (!HasFinalizer(cr))
        {
            return ControllerResult.Done;
        }

        var purge = cr["metadata"]?["annotations"]?[PurgeAnnotation]?.GetValue<string>() == "true";
        var outcome = await new UninstallAction(_cluster).RunAsync(ns, name, purge, DryRunMode.None, ct).ConfigureAwait(false);
        // Nothing left of it (an earlier attempt deleted it all, or it never got that far) is what was asked for.
        if (outcome.Error is { } error && !outcome.NotFound)
        {
            Log?.Invoke($"{ns}/{name}: deleting: {DeviceConditions.Bounded(error)}");
            return ControllerResult.RetryLater;
        }

        Stats.Wrote(outcome.Changes.Count(c => c.Action == ChangeAction.Deleted));
        Log?.Invoke($"{ns}/{name}: deleted{(purge ? " with its data (purge)" : "; its data disk, credentials and vTPM state are kept")}");

        // Its identity or enrollment, as spec.iotEdge.registration.onDelete says; the finalizer stays until that is done.
        var diagnostics = new DiagnosticBag();
        if (cr["spec"]?["iotEdge"]?["registration"] is not null
            && DeviceLoader.Load([new InputFile($"edgedevice {ns}/{name}", InputOf(cr).ToJsonString())], [], ns, diagnostics) is [{ } binding]
            && !diagnostics.HasErrors)
        {
            var unregistered = (await new RegisterAction(_cluster, _options.Iot ?? _ownConnector.Value).UnregisterAsync([binding.Value], ns, purge, dryRun: false, ct).ConfigureAwait(false)).SingleOrDefault();
            if (unregistered?.Error is { } failed)
            {
                Log?.Invoke($"{ns}/{name}: registration (onDelete): {DeviceConditions.Bounded(failed)}");
                return ControllerResult.RetryLater;
            }

            foreach (var change in unregistered?.Changes ?? [])
            {
                Log?.Invoke($"{ns}/{name}: {change}");
            }
        }

        await PatchFinalizersAsync(cr, present: false, ct).ConfigureAwait(false);
        return ControllerResult.Done;
    }

    private static bool HasFinalizer(JsonObject cr) =>
        cr["metadata"]?["finalizers"]?.AsArray().Any(f => f?.GetValue<string>() == Finalizer) == true;

    // The finalizer list is patched with the resourceVersion it was read at, as controller-runtime's AddFinalizer and
    // RemoveFinalizer are followed by a Patch: a merge patch never creates the object (an apply would bring back a
    // device deleted meanwhile), touches no field of the user's spec, and a list changed meanwhile is a 409 and a retry.
    private async Task PatchFinalizersAsync(JsonObject cr, bool present, CancellationToken ct)
    {
        var current = cr["metadata"]?["finalizers"]?.AsArray().Select(f => f!.GetValue<string>()).ToList() ?? [];
        var next = present ? [.. current, Finalizer] : current.Where(f => f != Finalizer).ToList();
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["resourceVersion"] = cr["metadata"]!["resourceVersion"]!.DeepClone(),
                ["finalizers"] = next.Count == 0 ? null : new JsonArray([.. next.Select(f => (JsonNode)f)]),
            },
        };
        await _cluster.MergePatchAsync(ClusterResource.EdgeDevice, NamespaceOf(cr)!, NameOf(cr), patch, dryRun: false, ct).ConfigureAwait(false);
        Stats.Wrote(1);
    }

    // Only when it differs from what is stored: a converged device's reconcile writes nothing.
    private async Task WriteStatusAsync(JsonObject cr, EdgeDeviceStatus status, CancellationToken ct)
    {
        var json = status.ToJson();
        if (JsonNode.DeepEquals(json, cr["status"]))
        {
            return;
        }

        var obj = new JsonObject
        {
            ["apiVersion"] = EdgeDevice.ApiVersionValue,
            ["kind"] = EdgeDevice.KindValue,
            ["metadata"] = new JsonObject { ["name"] = cr["metadata"]!["name"]!.DeepClone(), ["namespace"] = cr["metadata"]!["namespace"]!.DeepClone() },
            ["status"] = json,
        };
        await _cluster.ApplyStatusAsync(ClusterResource.EdgeDevice, obj, new ApplyOptions(ControllerOptions.FieldManager, Force: true, DryRun: false), ct).ConfigureAwait(false);
        Stats.Wrote(1);
        await RecordTransitionAsync(cr, status, ct).ConfigureAwait(false);
    }

    /// <summary>The identity Events name as their reporting instance (the pod's name, in a cluster).</summary>
    public string Instance { get; init; } = Environment.MachineName;

    // An Event when Ready changes (its status or its reason), as `kubectl describe` and `kubectl events` show them:
    // events.k8s.io/v1, reported by kvedge.io/edgedevice-controller (kubernetes/api v0.36.3 events/v1/types.go; the
    // name is the object's and the time's, as client-go's recorder makes it). Warning when the device is Stalled. The
    // note is the condition's message, bounded to the API's 1 KiB.
    private async Task RecordTransitionAsync(JsonObject cr, EdgeDeviceStatus status, CancellationToken ct)
    {
        var before = EdgeDeviceStatus.ConditionsOf(cr["status"]).FirstOrDefault(c => c.Type == EdgeDeviceCondition.Ready);
        var ready = status.Conditions.FirstOrDefault(c => c.Type == EdgeDeviceCondition.Ready);
        if (ready is null || (before is not null && before.Status == ready.Status && before.Reason == ready.Reason))
        {
            return;
        }

        var warning = status.Conditions.Any(c => c.Type == EdgeDeviceCondition.Stalled && c.Status == "True");
        var regarding = new JsonObject
        {
            ["apiVersion"] = EdgeDevice.ApiVersionValue,
            ["kind"] = EdgeDevice.KindValue,
            ["name"] = NameOf(cr),
            ["namespace"] = NamespaceOf(cr),
            ["uid"] = cr["metadata"]!["uid"]!.DeepClone(),
        };
        if (await Events.RecordAsync(NamespaceOf(cr)!, regarding, ready.Reason, ready.Message, warning, ct).ConfigureAwait(false))
        {
            Stats.Wrote(1);
        }
    }



    /// <summary>
    /// The CR as the spec binder reads a spec file: apiVersion, kind, the metadata a spec has (the server's own fields,
    /// kubectl's last-applied copy and the purge annotation left out) and the spec; never the status.
    /// </summary>
    public static JsonObject InputOf(JsonObject cr)
    {
        var metadata = cr["metadata"]!;
        var input = new JsonObject
        {
            ["apiVersion"] = cr["apiVersion"]?.DeepClone(),
            ["kind"] = cr["kind"]?.DeepClone(),
            ["metadata"] = new JsonObject { ["name"] = metadata["name"]!.DeepClone(), ["namespace"] = metadata["namespace"]?.DeepClone() },
        };
        if (metadata["labels"] is JsonObject labels)
        {
            input["metadata"]!["labels"] = labels.DeepClone();
        }

        if (metadata["annotations"] is JsonObject annotations)
        {
            var kept = new JsonObject();
            foreach (var (key, value) in annotations)
            {
                if (key is not (PurgeAnnotation or "kubectl.kubernetes.io/last-applied-configuration"))
                {
                    kept[key] = value?.DeepClone();
                }
            }

            if (kept.Count > 0)
            {
                input["metadata"]!["annotations"] = kept;
            }
        }

        if (cr["spec"] is JsonObject spec)
        {
            var copy = spec.DeepClone().AsObject();
            copy.Remove("suspend");
            input["spec"] = copy;
        }

        return input;
    }

    // A rendered object's (or a VMI's) device, by its device label: its change is the device's to look at.
    private void Owner(JsonObject obj)
    {
        if (StandardLabels.DeviceOf(obj) is { } device)
        {
            Queue.Add(Key(NamespaceOf(obj), device));
        }
    }

    private static string? NamespaceOf(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    private static string NameOf(JsonObject obj) => obj["metadata"]!["name"]!.GetValue<string>();

    private static string? DeviceKeyOf(JsonObject obj) => StandardLabels.DeviceOf(obj) is { } device ? Key(NamespaceOf(obj), device) : null;

    private static string Key(string? ns, string name) => $"{ns}/{name}";

    /// <summary>Counts the writes a reconcile made (its changes other than unchanged and kept).</summary>
    private sealed class CountingReporter : IInstallReporter
    {
        public List<Change> Changes { get; } = [];

        public int Writes => Changes.Count(c => c.Action is ChangeAction.Created or ChangeAction.Configured or ChangeAction.Deleted);

        public void Applied(Change change) => Changes.Add(change);

        public void Waiting(string device, string what)
        {
        }

        public void Stage(string device, WaitStage stage, string what)
        {
        }

        public void ImportProgress(string device, string dataVolume, string progress)
        {
        }

        public void Warning(string device, string message)
        {
        }
    }
}
