using System.Text.Json.Nodes;
using KVEdge.Core.Output;
using KVEdge.Core.Rendering;

using KVEdge.Core.Kube;

using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge install` / `kvedge upgrade`: read the fleet's live objects by one list per (namespace, kind), then apply the
/// devices concurrently (<see cref="InstallOptions.Concurrency"/> at once), each device's objects in order with
/// server-side apply (field manager kvedge), skipping objects that are unchanged without a request; then optionally
/// wait for every device at once (<see cref="FleetWaiter"/>, one deadline). A failure stops that device (what was
/// applied so far is reported) and the others go on; running the command again picks up where it stopped. Progress is
/// reported in the input's order (<see cref="OrderedReporter"/>), whatever order the server answers in.
/// </summary>
public sealed class InstallAction(IClusterClient cluster, IInstallReporter reporter)
{
    /// <summary>--dry-run=client: what would be applied, from the rendering alone; no cluster is needed or contacted.</summary>
    public static IReadOnlyList<DeviceOutcome> ClientDryRun(IReadOnlyList<RenderedDevice> devices, IInstallReporter reporter) =>
        devices.Select(device =>
        {
            var changes = device.Objects
                .Select(obj => new Change(device.Name, ClusterResource.ForKind(obj.ApiVersion, obj.Kind), device.Namespace, obj.Metadata.Name, ChangeAction.Configured, "client dry run"))
                .ToList();
            changes.ForEach(reporter.Applied);
            return new DeviceOutcome(device.Namespace, device.Name, changes, [], false, null);
        }).ToList();

    public async Task<IReadOnlyList<DeviceOutcome>> RunAsync(IReadOnlyList<RenderedDevice> devices, InstallOptions options, CancellationToken ct)
    {
        if (options.DryRun == DryRunMode.Client)
        {
            throw new ArgumentException("a client dry run needs no cluster: use ClientDryRun", nameof(options));
        }

        LiveObjects live;
        try
        {
            live = await LiveObjects.LoadAsync(cluster, devices, options.Concurrency, ct).ConfigureAwait(false);
        }
        catch (ClusterUnavailableException ex)
        {
            return [.. devices.Select(d => new DeviceOutcome(d.Namespace, d.Name, [], [], false, ex.Message, Unreachable: true))];
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return [.. devices.Select(d => new DeviceOutcome(d.Namespace, d.Name, [], [], false, "interrupted before it was applied", Interrupted: true))];
        }

        var outcomes = new DeviceOutcome?[devices.Count];
        var replaced = new string?[devices.Count];
        var ordered = new OrderedReporter(reporter, devices.Count);
        var silent = 0;
        try
        {
            await ApplyAllAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Interrupted (Ctrl-C): the devices not started say so; what the others applied is in their outcomes.
        }

        // Devices never started never completed: let every buffered line out.
        for (var i = 0; i < devices.Count; i++)
        {
            ordered.Complete(i);
        }

        var result = outcomes.Select((o, i) => o ?? new DeviceOutcome(devices[i].Namespace, devices[i].Name, [], [], false, "interrupted before it was applied", Interrupted: true)).ToList();
        if (options.Wait && options.DryRun == DryRunMode.None && !ct.IsCancellationRequested)
        {
            await WaitAsync(devices, result, replaced, options, ct).ConfigureAwait(false);
        }

        return result;

        Task ApplyAllAsync() => Parallel.ForEachAsync(Enumerable.Range(0, devices.Count), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = ct },
            async (i, token) =>
            {
                try
                {
                    if (Volatile.Read(ref silent) != 0)
                    {
                        // The cluster stopped answering: the devices not started yet would only wait for it too.
                        outcomes[i] = new DeviceOutcome(devices[i].Namespace, devices[i].Name, [], [], false, "not attempted: the cluster did not answer", Unreachable: true);
                        return;
                    }

                    var (outcome, replacedVmi) = await ApplyDeviceAsync(devices[i], live, options, ordered.For(i), token).ConfigureAwait(false);
                    outcomes[i] = outcome;
                    replaced[i] = replacedVmi;
                    if (outcome.Unreachable)
                    {
                        Interlocked.Exchange(ref silent, 1);
                    }
                }
                finally
                {
                    ordered.Complete(i);
                }
            });
    }

    // --wait: every device that applied cleanly, at once, with one deadline for the command.
    private async Task WaitAsync(IReadOnlyList<RenderedDevice> devices, List<DeviceOutcome> outcomes, string?[] replaced, InstallOptions options, CancellationToken ct)
    {
        var indices = Enumerable.Range(0, devices.Count).Where(i => outcomes[i].Succeeded).ToList();
        if (indices.Count == 0)
        {
            return;
        }

        var targets = indices.Select(i => new WaitTarget(devices[i].Namespace, devices[i].Name,
            devices[i].Objects.Count(o => o.Kind == ClusterResource.DataVolume.Kind), replaced[i])).ToList();
        var waiter = new FleetWaiter(cluster, reporter) { AgentWarningAfter = options.AgentWarningAfter };
        var results = await waiter.WaitAsync(targets, options.Timeout, ct).ConfigureAwait(false);
        foreach (var (i, r) in indices.Zip(results))
        {
            if (r.Error is not null)
            {
                outcomes[i] = outcomes[i] with { Error = r.Error, TimedOut = r.TimedOut, WaitedFor = r.Stage, Interrupted = r.Interrupted };
            }
        }

        if (options.Guest is { } guest)
        {
            var ready = indices.Zip(results).Where(p => p.Second.Ready && p.Second.Error is null).Select(p => (p.First, p.Second.Target)).ToList();
            await AddVerdictsAsync(ready, outcomes, guest, ct).ConfigureAwait(false);
        }
    }

    /// <summary>How many ready devices --wait asks for IoT Edge's own verdict; `kvedge status --health` asks them all.</summary>
    public const int MaxVerdicts = 8;

    // A Ready VMI says only that the probe passes; the program's own verdict says more: a new device is healthy with
    // edgeAgent alone until its first IoT Hub deployment (the note a user needs next). Asked over SSH through the API
    // server, a few at once, bounded in time; a device that cannot be asked gets the command that would ask it.
    private static async Task AddVerdictsAsync(List<(int Index, WaitTarget Target)> ready, List<DeviceOutcome> outcomes, Func<WaitTarget, IGuestShell> guest, CancellationToken ct)
    {
        var asked = ready.Take(MaxVerdicts).ToList();
        var notes = new string[asked.Count];
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(VerdictTimeout);
        await Parallel.ForEachAsync(Enumerable.Range(0, asked.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (k, _) =>
        {
            var target = asked[k].Target;
            HealthResult health;
            try
            {
                health = await new HealthAction(guest(target)).RunAsync(bounded.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                health = new HealthResult(null, new ActionFailure(FailureKind.Failed, $"no answer within {VerdictTimeout.TotalSeconds:0} s"));
            }

            notes[k] = health.Report is { } report
                ? report.Healthy && report.Deployment == HealthReport.NoDeployment
                    ? $"IoT Edge is healthy with no deployment yet: edgeAgent runs alone and reports 417 until the device's IoT Hub deployment is set, and edgeHub starts with it (kvedge edgehub-manifest gives that deployment edgeHub's storage on the data disk)"
                    : $"IoT Edge: {report.Summary}"
                : $"Ready (the readiness probe passes); IoT Edge's own verdict, such as whether a deployment has arrived, needs SSH: kvedge health {target.Device} -n {target.Namespace} ({health.Failure!.Message})";
        }).ConfigureAwait(false);
        foreach (var ((index, _), note) in asked.Zip(notes))
        {
            outcomes[index] = outcomes[index] with { Notes = [.. outcomes[index].Notes ?? [], note] };
        }
    }

    /// <summary>How long --wait's verdicts may take, all of them.</summary>
    public static readonly TimeSpan VerdictTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The live object, or null; one being deleted (a deletionTimestamp: Foreground deletion keeps a VM visible while its
    /// guest shuts down, minutes with KubeVirt's grace period) is waited for until it is gone, since an apply to it would
    /// not bring it back and it would vanish after kvedge called it unchanged.
    /// </summary>
    private async Task<JsonObject?> GetSettledAsync(RenderedDevice device, ClusterResource resource, string name, LiveObjects known, InstallOptions options, IInstallReporter reporter, CancellationToken ct)
    {
        // Listed, and not being deleted: no request needed.
        if (known.TryFind(device.Namespace, resource, name, out var listed) && listed?["metadata"]?["deletionTimestamp"] is null)
        {
            return listed;
        }

        var started = DateTime.UtcNow;
        var announced = false;
        while (true)
        {
            var live = await cluster.GetAsync(resource, device.Namespace, name, ct).ConfigureAwait(false);
            if (live?["metadata"]?["deletionTimestamp"] is null)
            {
                return live;
            }

            if (DateTime.UtcNow - started > options.DeletionWait)
            {
                throw new ObjectBeingDeletedException(
                    $"{resource.DisplayName}/{name} is still being deleted after {GoDuration.Format(options.DeletionWait)} (deletionTimestamp {live["metadata"]!["deletionTimestamp"]}, "
                    + $"finalizers: {string.Join(", ", live["metadata"]?["finalizers"]?.AsArray().Select(f => f?.GetValue<string>()) ?? [])}); run the command again once it is gone");
            }

            if (!announced)
            {
                reporter.Waiting(device.Name, $"{resource.DisplayName}/{name} to finish deleting (it has a deletionTimestamp)");
                announced = true;
            }

            await Task.Delay(options.DeletionPoll, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How the rendered DataVolume's spec differs from the live one, both ways: a rendered field with another value, or
    /// a field kvedge applied before (its managedFields) that the rendering no longer has. Null when they agree.
    /// </summary>
    private static string? DataVolumeSpecChange(JsonObject stamped, JsonObject live)
    {
        if (!AppliedHash.IsSubset(stamped["spec"], live["spec"]))
        {
            return "its spec changed";
        }

        var dropped = AppliedHash.OwnedPaths(live, InstallOptions.FieldManager, "spec").FirstOrDefault(p => !AppliedHash.Has(stamped, p));
        return dropped is null ? null : $"{string.Join(".", dropped)} is no longer rendered";
    }

    /// <summary>
    /// One device, as a list of phases over its scope (cluster-api's reconcile shape): upgrade's check that it is
    /// installed, the change set, the restart reasons, the restart. A phase that sets an error stops the list; a cluster
    /// error ends it with what was applied so far.
    /// </summary>
    private async Task<(DeviceOutcome Outcome, string? ReplacedVmi)> ApplyDeviceAsync(RenderedDevice device, LiveObjects known, InstallOptions options, IInstallReporter reporter, CancellationToken ct)
    {
        var scope = new InstallScope(device, known, options, reporter);
        Func<InstallScope, CancellationToken, Task>[] phases = [CheckInstalledAsync, ApplyObjectsAsync, ExplainRestartAsync, RestartAsync];
        try
        {
            foreach (var phase in phases)
            {
                await phase(scope, ct).ConfigureAwait(false);
                if (scope.Error is not null)
                {
                    break;
                }
            }

            return (scope.Outcome(), scope.Error is null ? scope.ReplacedVmi : null);
        }
        catch (ClusterApiException ex)
        {
            var detail = ex.Causes.Count > 0 ? $"{ex.Message} [{string.Join("; ", ex.Causes)}]" : ex.Message;
            if (ex.IsConflict && ex.Reason == "Conflict" && ex.Causes.Count > 0)
            {
                // virtctl stop/start: virt-api owns spec.runStrategy (kubevirt/kubevirt v1.9.0
                // pkg/virt-api/rest/lifecycle.go). Forcing the spec's value back would start a VM an operator stopped.
                detail += ex.Causes.Any(c => c.StartsWith(".spec.runStrategy:", StringComparison.Ordinal) && c.Contains("\"virt-api\"", StringComparison.Ordinal))
                    ? $"; the VM was stopped or started through KubeVirt (virtctl stop/start set its runStrategy): kvedge leaves that decision where it was made. Run `virtctl start {device.Name} -n {device.Namespace}` to start it again, or set spec.runStrategy to what KubeVirt has; --force-conflicts would override the operator"
                    : "; another field manager owns these fields: rerun with --force-conflicts to take them over";
            }

            return (scope.Outcome(detail, conflict: ex.IsConflict), null);
        }
        catch (ObjectBeingDeletedException ex)
        {
            return (scope.Outcome(ex.Message), null);
        }
        catch (ClusterUnavailableException ex)
        {
            return (scope.Outcome(ex.Message, unreachable: true), null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return (scope.Outcome("interrupted while it was being applied", interrupted: true), null);
        }
    }

    // Upgrade needs the VM to exist; the apply phase reuses what this read, rather than asking again.
    private async Task CheckInstalledAsync(InstallScope scope, CancellationToken ct)
    {
        if (!scope.Options.Upgrade)
        {
            return;
        }

        scope.LiveVm = await GetSettledAsync(scope.Device, ClusterResource.VirtualMachine, scope.Names.VirtualMachine, scope.Known, scope.Options, scope.Reporter, ct).ConfigureAwait(false);
        if (scope.LiveVm is null)
        {
            scope.Error = $"{scope.Device.Namespace}/{scope.Device.Name} is not installed (no VirtualMachine {scope.Names.VirtualMachine}); use 'kvedge install'";
        }
    }

    // The change set: each object in order, unchanged ones without a request; kvedge's policy on top of the generic
    // applier is what needs a restart and that a DataVolume's spec is never changed.
    private async Task ApplyObjectsAsync(InstallScope scope, CancellationToken ct)
    {
        var (device, options) = (scope.Device, scope.Options);
        var applier = new ChangeSetApplier(cluster, new ApplyOptions(InstallOptions.FieldManager, options.ForceConflicts, options.DryRun == DryRunMode.Server));
        foreach (var obj in device.Objects)
        {
            var resource = ClusterResource.ForKind(obj.ApiVersion, obj.Kind);
            var live = resource == ClusterResource.VirtualMachine && scope.LiveVm is not null
                ? scope.LiveVm
                : await GetSettledAsync(device, resource, obj.Metadata.Name, scope.Known, options, scope.Reporter, ct).ConfigureAwait(false);
            scope.VmExisted |= resource == ClusterResource.VirtualMachine && live is not null;
            var rendered = ManifestSerializer.ToJsonNode(obj).AsObject();
            if (resource == ClusterResource.VirtualMachine && live is null && options.DryRun == DryRunMode.None && VtpmState.IsWanted(rendered))
            {
                await KeepLeftVtpmStateAsync(scope, ct).ConfigureAwait(false);
            }

            var change = await applier.ApplyAsync(device.Name, resource, rendered, live, stamped =>
            {
                if (resource == ClusterResource.DataVolume && live is not null && DataVolumeSpecChange(stamped, live) is { } specChange)
                {
                    // CDI refuses any change to an existing DataVolume's spec (its validating webhook; a field SSA would
                    // prune counts too). Never replace a disk to get there: keep it, say why, write nothing.
                    return new Change(device.Name, resource, device.Namespace, obj.Metadata.Name, ChangeAction.Kept,
                        $"{specChange}, but a DataVolume's spec is immutable; the disk is kept as it is");
                }

                NoteGuestVisibleChange(scope, resource, obj.Metadata.Labels, stamped, live);
                return null;
            }, ct).ConfigureAwait(false);
            scope.Changes.Add(change);
            scope.Reporter.Applied(change);
        }
    }

    // A new VM with a persistent vTPM: KubeVirt reuses the state PVC a VM of the same name left. One left by a VM that
    // was deleted just before (kubectl delete, a GitOps prune and re-add, replace --force) is still owned by that VM's
    // uid, and the garbage collector works by uid, in the background: it would delete the state under the new VM, and
    // the device's TPM identity with it. Taken from it first, as uninstall does, before the new VM exists.
    private async Task KeepLeftVtpmStateAsync(InstallScope scope, CancellationToken ct)
    {
        var ns = scope.Device.Namespace;
        IReadOnlyList<JsonObject> found;
        try
        {
            found = (await cluster.ListAsync(ClusterResource.PersistentVolumeClaim, ns, $"{VtpmState.Label}={scope.Names.VirtualMachine}", null, ct).ConfigureAwait(false)).Items;
        }
        catch (ClusterApiException ex) when (ex.Status == System.Net.HttpStatusCode.Forbidden)
        {
            scope.Notes.Add("could not look for a vTPM state a deleted VM of this name left (listing PersistentVolumeClaims is not allowed): if one is there, the garbage collector may still delete it");
            return;
        }

        foreach (var state in found.Where(s => s["metadata"]?["ownerReferences"] is JsonArray { Count: > 0 } && s["metadata"]?["deletionTimestamp"] is null)
            .OrderBy(s => s["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal))
        {
            var name = state["metadata"]!["name"]!.GetValue<string>();
            await VtpmState.KeepAsync(cluster, ns, name, serverDryRun: false, ct).ConfigureAwait(false);
            var change = new Change(scope.Device.Name, ClusterResource.PersistentVolumeClaim, ns, name, ChangeAction.Kept,
                "the vTPM state a deleted VM of this name left, still owned by it: taken from the garbage collector, which would delete it under the new VM; the new VM uses it");
            scope.Changes.Add(change);
            scope.Reporter.Applied(change);
        }
    }

    // Only what reaches the guest needs a restart: the VM's template spec, and the data of the disks and cloud-init the
    // guest reads at boot. Labels and annotations do not.
    private static void NoteGuestVisibleChange(InstallScope scope, ClusterResource resource, IDictionary<string, string>? labels, JsonObject stamped, JsonObject? live)
    {
        if (live is null)
        {
            return;
        }

        if (resource == ClusterResource.VirtualMachine)
        {
            if (!AppliedHash.IsSubset(stamped["spec"]?["template"]?["spec"], live["spec"]?["template"]?["spec"]))
            {
                scope.RestartReasons.Add("the VM template changed");
            }
        }
        else if (labels?.TryGetValue(StandardLabels.Role, out var role) == true
            && !(JsonNode.DeepEquals(stamped["data"], live["data"]) && JsonNode.DeepEquals(stamped["binaryData"], live["binaryData"])))
        {
            // KubeVirt turns these into disks when the VMI starts; a running guest keeps the old bytes.
            if (role is Roles.Config or Roles.Credentials)
            {
                scope.ChangedDisks.Add($"{resource.DisplayName}/{stamped["metadata"]!["name"]}");
            }

            scope.CloudInitChanged |= role == Roles.CloudInit;
        }
    }

    private static Task ExplainRestartAsync(InstallScope scope, CancellationToken ct)
    {
        if (scope.VmExisted && scope.ChangedDisks.Count > 0)
        {
            scope.RestartReasons.Add($"{string.Join(", ", scope.ChangedDisks)} changed, and the guest reads {(scope.ChangedDisks.Count == 1 ? "that disk" : "those disks")} only at boot");
        }

        if (scope.VmExisted && scope.CloudInitChanged)
        {
            scope.Notes.Add($"{ClusterResource.Secret.DisplayName}/{scope.Names.CloudInitSecret} changed: cloud-init applies its users, SSH keys and hostname only to a new VM instance, "
                + "not at a restart (the converge program and its settings come from the config disk and do follow)");
        }

        return Task.CompletedTask;
    }

    // --restart: a VM whose change needs one is restarted through KubeVirt's subresource; one with no instance is not.
    private async Task RestartAsync(InstallScope scope, CancellationToken ct)
    {
        if (scope.Options.DryRun != DryRunMode.None || scope.RestartReasons.Count == 0 || !scope.Options.Restart)
        {
            return;
        }

        var (device, names) = (scope.Device, scope.Names);
        var vmi = await cluster.GetAsync(ClusterResource.VirtualMachineInstance, device.Namespace, names.VirtualMachine, ct).ConfigureAwait(false);
        if (vmi is null)
        {
            scope.Notes.Add($"not restarted: {ClusterResource.VirtualMachine.DisplayName}/{names.VirtualMachine} is not running; the change applies when it starts");
            return;
        }

        // The restart verb's own call, and its reading of KubeVirt's refusals (never retried, never a field conflict).
        var restart = await new RestartAction(cluster).RunAsync(new RestartOptions(device.Namespace, names.VirtualMachine), ct).ConfigureAwait(false);
        if (restart.Failure is { } failure)
        {
            scope.Error = $"applied, but {failure.Message}"
                + (failure.Message.Contains("Once", StringComparison.Ordinal) ? "; restart it with virtctl stop and virtctl start" : "; run the upgrade with --restart again later, or virtctl restart");
            return;
        }

        scope.ReplacedVmi = vmi["metadata"]?["uid"]?.GetValue<string>();
        scope.Restarted = true;
    }
}
