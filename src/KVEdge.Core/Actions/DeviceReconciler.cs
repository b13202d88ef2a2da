using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Core.Output;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// One device's reconcile: the step `kvedge install`/`upgrade` run for each device and the operator runs for each
/// EdgeDevice, one code path. Phases over a scope (cluster-api's doReconcile; KubeVirt's pkg/virt-controller/watch/vm):
/// upgrade's check that the device is installed, the change set (server-side apply, unchanged objects without a
/// request), the restart reasons, the restart. A phase never waits on the cluster: where it would (an object still
/// being deleted) it returns a requeue and the scope resumes there, so nothing is applied twice. A phase that fails
/// stops the list with a typed <see cref="DeviceFailure"/>.
/// </summary>
public sealed class DeviceReconciler(IClusterClient cluster)
{
    public async Task<ReconcileResult> ReconcileAsync(DeviceScope scope, CancellationToken ct)
    {
        if (scope.Failure is not null)
        {
            return ReconcileResult.Stopped;
        }

        Func<DeviceScope, CancellationToken, Task<ReconcileResult>>[] phases = [CheckInstalledAsync, CheckOwnerAsync, ApplyObjectsAsync, ExplainRestartAsync, RestartAsync];
        try
        {
            for (; scope.Phase < phases.Length; scope.Phase++)
            {
                var result = await phases[scope.Phase](scope, ct).ConfigureAwait(false);
                if (result.Step != ReconcileStep.Continue)
                {
                    return result;
                }
            }

            return ReconcileResult.Done;
        }
        catch (ClusterApiException ex)
        {
            var detail = ex.Causes.Count > 0 ? $"{ex.Message} [{string.Join("; ", ex.Causes)}]" : ex.Message;
            var reason = DeviceFailure.ApiError;
            if (ex.IsConflict && ex.Reason == "Conflict" && ex.Causes.Count > 0)
            {
                // virtctl stop/start: virt-api owns spec.runStrategy (kubevirt/kubevirt v1.9.0
                // pkg/virt-api/rest/lifecycle.go). Forcing the spec's value back would start a VM an operator stopped.
                var device = scope.Device;
                if (ex.Causes.Any(c => c.StartsWith(".spec.runStrategy:", StringComparison.Ordinal) && c.Contains("\"virt-api\"", StringComparison.Ordinal)))
                {
                    reason = DeviceFailure.ManagedByKubeVirt;
                    detail += $"; the VM was stopped or started through KubeVirt (virtctl stop/start set its runStrategy): kvedge leaves that decision where it was made. Run `virtctl start {device.Name} -n {device.Namespace}` to start it again, or set spec.runStrategy to what KubeVirt has; --force-conflicts would override the operator";
                }
                else
                {
                    reason = DeviceFailure.FieldConflict;
                    detail += "; another field manager owns these fields: rerun with --force-conflicts to take them over";
                }
            }
            else if (ex.IsConflict)
            {
                reason = DeviceFailure.FieldConflict;
            }

            return Stop(scope, reason, detail);
        }
        catch (ClusterUnavailableException ex)
        {
            return Stop(scope, DeviceFailure.ClusterUnavailable, ex.Message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return Stop(scope, DeviceFailure.Interrupted, "interrupted while it was being applied");
        }
    }

    private static ReconcileResult Stop(DeviceScope scope, string reason, string message)
    {
        scope.Failure = new DeviceFailure(reason, message);
        return ReconcileResult.Stopped;
    }

    /// <summary>
    /// The live object, or null; one being deleted (a deletionTimestamp: Foreground deletion keeps a VM visible while its
    /// guest shuts down, minutes with KubeVirt's grace period) is a requeue until it is gone, since an apply to it would
    /// not bring it back and it would vanish after kvedge called it unchanged. Past the options' DeletionWait it stops
    /// the reconcile (BeingDeleted).
    /// </summary>
    private async Task<(JsonObject? Live, ReconcileResult? Wait)> GetSettledAsync(DeviceScope scope, ClusterResource resource, string name, CancellationToken ct)
    {
        var (device, options) = (scope.Device, scope.Options);

        // Listed, and not being deleted: no request needed.
        if (scope.Known.TryFind(device.Namespace, resource, name, out var listed) && listed?["metadata"]?["deletionTimestamp"] is null)
        {
            scope.DeletionWaitStarted = null;
            return (listed, null);
        }

        var live = await cluster.GetAsync(resource, device.Namespace, name, ct).ConfigureAwait(false);
        if (live?["metadata"]?["deletionTimestamp"] is null)
        {
            scope.DeletionWaitStarted = null;
            return (live, null);
        }

        var waitingFor = $"{resource.DisplayName}/{name} to finish deleting (it has a deletionTimestamp)";
        if (scope.DeletionWaitStarted is not { } started)
        {
            scope.DeletionWaitStarted = DateTime.UtcNow;
            scope.Reporter.Waiting(device.Name, waitingFor);
        }
        else if (DateTime.UtcNow - started > options.DeletionWait)
        {
            return (null, Stop(scope, DeviceFailure.BeingDeleted,
                $"{resource.DisplayName}/{name} is still being deleted after {GoDuration.Format(options.DeletionWait)} (deletionTimestamp {live["metadata"]!["deletionTimestamp"]}, "
                + $"finalizers: {string.Join(", ", live["metadata"]?["finalizers"]?.AsArray().Select(f => f?.GetValue<string>()) ?? [])}); run the command again once it is gone"));
        }

        return (null, ReconcileResult.Requeue(options.DeletionPoll, waitingFor));
    }

    /// <summary>
    /// How the rendered DataVolume's spec differs from the live one, both ways: a rendered field with another value, or
    /// a field kvedge applied before (its managedFields) that the rendering no longer has. Null when they agree.
    /// </summary>
    private static string? DataVolumeSpecChange(JsonObject stamped, JsonObject live, string manager)
    {
        if (!AppliedHash.IsSubset(stamped["spec"], live["spec"]))
        {
            return "its spec changed";
        }

        var dropped = AppliedHash.OwnedPaths(live, manager, "spec").FirstOrDefault(p => !AppliedHash.Has(stamped, p));
        return dropped is null ? null : $"{string.Join(".", dropped)} is no longer rendered";
    }

    // Upgrade needs the VM to exist; the apply phase reuses what this read, rather than asking again.
    private async Task<ReconcileResult> CheckInstalledAsync(DeviceScope scope, CancellationToken ct)
    {
        if (!scope.Options.Upgrade)
        {
            return ReconcileResult.Continue;
        }

        var (live, wait) = await GetSettledAsync(scope, ClusterResource.VirtualMachine, scope.Names.VirtualMachine, ct).ConfigureAwait(false);
        if (wait is not null)
        {
            return wait;
        }

        scope.LiveVm = live;
        return live is null
            ? Stop(scope, DeviceFailure.NotInstalled, $"{scope.Device.Namespace}/{scope.Device.Name} is not installed (no VirtualMachine {scope.Names.VirtualMachine}); use 'kvedge install'")
            : ReconcileResult.Continue;
    }

    /// <summary>
    /// A device the operator runs (its VM owned by an EdgeDevice) is the operator's: the CLI writing to it would fight the
    /// controller's next reconcile, and server-side apply would not even say so where the values agree. Refused as a
    /// field conflict (exit 5) unless --force-conflicts; the operator itself passes.
    /// </summary>
    private async Task<ReconcileResult> CheckOwnerAsync(DeviceScope scope, CancellationToken ct)
    {
        if (scope.Options.Owner is not null || scope.Options.ForceConflicts)
        {
            return ReconcileResult.Continue;
        }

        var vm = scope.LiveVm;
        if (vm is null && !scope.Known.TryFind(scope.Device.Namespace, ClusterResource.VirtualMachine, scope.Names.VirtualMachine, out vm))
        {
            vm = await cluster.GetAsync(ClusterResource.VirtualMachine, scope.Device.Namespace, scope.Names.VirtualMachine, ct).ConfigureAwait(false);
            // Read once: the apply phase reuses it (one being deleted it reads again, to wait for it).
            if (vm?["metadata"]?["deletionTimestamp"] is null)
            {
                scope.LiveVm = vm;
            }
        }

        var owner = vm?["metadata"]?["ownerReferences"]?.AsArray().FirstOrDefault(o => o?["kind"]?.GetValue<string>() == EdgeDevice.KindValue
            && o["apiVersion"]?.GetValue<string>()?.StartsWith(EdgeDevice.Group + "/", StringComparison.Ordinal) == true);
        return owner is null
            ? ReconcileResult.Continue
            : Stop(scope, DeviceFailure.ManagedByOperator,
                $"{scope.Device.Namespace}/{scope.Device.Name} is run by the kvedge operator (EdgeDevice {scope.Device.Namespace}/{owner["name"]}): change the EdgeDevice instead (kubectl edit edgedevice {owner["name"]} -n {scope.Device.Namespace}), or --force-conflicts to write over it");
    }

    // The change set: each object in order, unchanged ones without a request; kvedge's policy on top of the generic
    // applier is what needs a restart and that a DataVolume's spec is never changed.
    private async Task<ReconcileResult> ApplyObjectsAsync(DeviceScope scope, CancellationToken ct)
    {
        var (device, options) = (scope.Device, scope.Options);
        var applier = new ChangeSetApplier(cluster, new ApplyOptions(options.Manager, options.ForceConflicts, options.DryRun == DryRunMode.Server));
        for (; scope.ObjectIndex < device.Objects.Count; scope.ObjectIndex++)
        {
            var obj = device.Objects[scope.ObjectIndex];
            var resource = ClusterResource.ForKind(obj.ApiVersion, obj.Kind);
            JsonObject? live;
            if (resource == ClusterResource.VirtualMachine && scope.LiveVm is not null)
            {
                live = scope.LiveVm;
            }
            else
            {
                (live, var wait) = await GetSettledAsync(scope, resource, obj.Metadata.Name, ct).ConfigureAwait(false);
                if (wait is not null)
                {
                    return wait;
                }
            }

            scope.VmExisted |= resource == ClusterResource.VirtualMachine && live is not null;
            var rendered = ManifestSerializer.ToJsonNode(obj).AsObject();
            if (options.Owner is { } owner && obj.Metadata.Labels?.TryGetValue(StandardLabels.Role, out var role) == true && role is not (Roles.DataDisk or Roles.Credentials))
            {
                rendered["metadata"]!["ownerReferences"] = new JsonArray(owner.DeepClone());
            }

            scope.RevisionBuilder.Add(obj.Kind, obj.Metadata.Name, RolloutRevision.RoleOf(obj.Metadata.Labels), rendered);
            if (resource == ClusterResource.VirtualMachine)
            {
                // The revision of what the guest sees (the disks came first), for the instances KubeVirt makes from this
                // template to carry (RolloutMarks.Revision): what a rollout compares to know which devices run an older one.
                scope.Revision = scope.RevisionBuilder.Finish();
                RolloutMarks.StampRevision(rendered, scope.Revision);
            }

            if (resource == ClusterResource.VirtualMachine && live is null && options.DryRun == DryRunMode.None && VtpmState.IsWanted(rendered))
            {
                await KeepLeftVtpmStateAsync(scope, ct).ConfigureAwait(false);
            }

            var change = await applier.ApplyAsync(device.Name, resource, rendered, live, stamped =>
            {
                if (resource == ClusterResource.DataVolume && live is not null && DataVolumeSpecChange(stamped, live, options.Manager) is { } specChange)
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

        return ReconcileResult.Continue;
    }

    // A new VM with a persistent vTPM: KubeVirt reuses the state PVC a VM of the same name left. One left by a VM that
    // was deleted just before (kubectl delete, a GitOps prune and re-add, replace --force) is still owned by that VM's
    // uid, and the garbage collector works by uid, in the background: it would delete the state under the new VM, and
    // the device's TPM identity with it. Taken from it first, as uninstall does, before the new VM exists.
    private async Task KeepLeftVtpmStateAsync(DeviceScope scope, CancellationToken ct)
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
    private static void NoteGuestVisibleChange(DeviceScope scope, ClusterResource resource, IDictionary<string, string>? labels, JsonObject stamped, JsonObject? live)
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

    private static Task<ReconcileResult> ExplainRestartAsync(DeviceScope scope, CancellationToken ct)
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

        return Task.FromResult(ReconcileResult.Continue);
    }

    // --restart: a VM whose change needs one is restarted through KubeVirt's subresource; one with no instance is not.
    private async Task<ReconcileResult> RestartAsync(DeviceScope scope, CancellationToken ct)
    {
        if (scope.Options.DryRun != DryRunMode.None || scope.RestartReasons.Count == 0 || !scope.Options.Restart)
        {
            return ReconcileResult.Continue;
        }

        var (device, names) = (scope.Device, scope.Names);
        var vmi = await cluster.GetAsync(ClusterResource.VirtualMachineInstance, device.Namespace, names.VirtualMachine, ct).ConfigureAwait(false);
        if (vmi is null)
        {
            scope.Notes.Add($"not restarted: {ClusterResource.VirtualMachine.DisplayName}/{names.VirtualMachine} is not running; the change applies when it starts");
            return ReconcileResult.Continue;
        }

        // The restart verb's own call, and its reading of KubeVirt's refusals (never retried, never a field conflict).
        var restart = await new RestartAction(cluster).RunAsync(new RestartOptions(device.Namespace, names.VirtualMachine), ct).ConfigureAwait(false);
        if (restart.Failure is { } failure)
        {
            return Stop(scope, DeviceFailure.RestartRefused, $"applied, but {failure.Message}"
                + (failure.Message.Contains("Once", StringComparison.Ordinal) ? "; restart it with virtctl stop and virtctl start" : "; run the upgrade with --restart again later, or virtctl restart"));
        }

        scope.ReplacedVmi = vmi["metadata"]?["uid"]?.GetValue<string>();
        scope.Restarted = true;
        return ReconcileResult.Continue;
    }
}
