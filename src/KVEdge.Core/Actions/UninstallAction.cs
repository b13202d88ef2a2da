using System.Text.Json.Nodes;

using KVEdge.Core.Kube;

using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge uninstall NAME`: deletes what kvedge created for the device, found by its labels, in reverse apply order.
/// The data disk (EdgeHub's queue, the identities) and the credentials Secret are kept unless <c>purge</c>; an
/// existingSecret the user made is never touched, because kvedge did not create it. So is a persistent vTPM's state
/// (the TPM's keys, which DPS knows the device by): KubeVirt makes that PVC owned by the VM, so deleting the VM would
/// garbage-collect it; its owner reference is dropped first, and a VM of the same name finds it again by its label.
/// </summary>
public sealed class UninstallAction(IClusterClient cluster)
{
    private static readonly string[] KeptWithoutPurge = [Roles.DataDisk, Roles.Credentials];

    /// <param name="mode">Client: list, write nothing. Server: every write sent with dryRun=All, so the API server (and
    /// its admission webhooks) checks it and stores nothing.</param>
    public Task<DeviceOutcome> RunAsync(string ns, string device, bool purge, DryRunMode mode, CancellationToken ct) =>
        RunDeviceAsync(ns, device, purge, mode, async resource => (await cluster.ListAsync(resource, ns,
            resource == ClusterResource.PersistentVolumeClaim ? $"{VtpmState.Label}={device}" : StandardLabels.DeviceSelector(device), null, ct).ConfigureAwait(false)).Items, ct);

    /// <summary>
    /// The devices of <paramref name="ns"/> whose VMs match the user's label selector, narrowed to kvedge's devices (as
    /// `kubectl delete -l` selects); a device is named by its VM's device label.
    /// </summary>
    public static async Task<IReadOnlyList<(string Namespace, string Device)>> SelectAsync(IClusterClient cluster, string ns, string selector, CancellationToken ct)
    {
        var vms = await cluster.ListAsync(ClusterResource.VirtualMachine, ns, $"{selector},{StandardLabels.DeviceSelector(null)}", null, ct).ConfigureAwait(false);
        return [.. vms.Items.Select(vm => (ns, vm["metadata"]!["labels"]![StandardLabels.Device]!.GetValue<string>())).Distinct().Order()];
    }

    /// <summary>
    /// A fleet (`uninstall -f FILE`, `-l SELECTOR`): what kvedge made is read by one list per (namespace, kind) for all
    /// the devices, then the devices are deleted concurrently (<paramref name="concurrency"/> at once), each as
    /// <see cref="RunAsync"/> does it, with the same data-disk rule. Outcomes come in the order of
    /// <paramref name="devices"/>.
    /// </summary>
    public async Task<IReadOnlyList<DeviceOutcome>> RunFleetAsync(IReadOnlyList<(string Namespace, string Device)> devices, bool purge, DryRunMode mode, int concurrency, CancellationToken ct)
    {
        var kinds = ClusterResource.Rendered.Append(ClusterResource.PersistentVolumeClaim).ToList();
        var lists = await FleetLists.LoadAsync(cluster,
            devices.Select(d => d.Namespace).Distinct(StringComparer.Ordinal).SelectMany(ns => kinds.Select(k =>
                (ns, k, k == ClusterResource.PersistentVolumeClaim ? VtpmState.Label : StandardLabels.DeviceSelector(null)))),
            concurrency, ct).ConfigureAwait(false);

        var outcomes = new DeviceOutcome[devices.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, devices.Count), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = ct }, async (i, token) =>
        {
            var (ns, device) = devices[i];
            if (lists.Failure(ns) is { } failure)
            {
                outcomes[i] = new DeviceOutcome(ns, device, [], [], false, failure.Message, Unreachable: failure is ClusterUnavailableException);
                return;
            }

            outcomes[i] = await RunDeviceAsync(ns, device, purge, mode, resource =>
            {
                var label = resource == ClusterResource.PersistentVolumeClaim ? VtpmState.Label : StandardLabels.Device;
                IReadOnlyList<JsonObject> mine = [.. lists.Items(ns, resource)!.Where(o => o["metadata"]?["labels"]?[label]?.GetValue<string>() == device)];
                return Task.FromResult(mine);
            }, token).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return outcomes;
    }

    // One device: `find` gives its objects of a kind (its vTPM state PVCs for PersistentVolumeClaim).
    private async Task<DeviceOutcome> RunDeviceAsync(string ns, string device, bool purge, DryRunMode mode, Func<ClusterResource, Task<IReadOnlyList<JsonObject>>> find, CancellationToken ct)
    {
        var dryRun = mode == DryRunMode.Client;
        var serverDryRun = mode == DryRunMode.Server;
        var note = mode switch { DryRunMode.Client => "dry run", DryRunMode.Server => "server dry run", _ => null };
        var changes = new List<Change>();
        try
        {
            // Before the VM goes: once it is deleted, the garbage collector takes the vTPM state with it.
            var states = (await find(ClusterResource.PersistentVolumeClaim).ConfigureAwait(false))
                .OrderBy(i => i["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal).ToList();
            if (!purge)
            {
                foreach (var state in states)
                {
                    var name = state["metadata"]!["name"]!.GetValue<string>();
                    if (!dryRun && state["metadata"]?["ownerReferences"] is JsonArray { Count: > 0 })
                    {
                        await VtpmState.KeepAsync(cluster, ns, name, serverDryRun, ct).ConfigureAwait(false);
                    }

                    changes.Add(new Change(device, ClusterResource.PersistentVolumeClaim, ns, name, ChangeAction.Kept,
                        "the vTPM state (the TPM's keys, which DPS knows this device by), no longer owned by the VM; a re-install finds it; --purge deletes it"));
                }
            }

            foreach (var resource in ClusterResource.Rendered.Reverse())
            {
                var items = await find(resource).ConfigureAwait(false);
                foreach (var item in items.OrderBy(i => i["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal))
                {
                    var name = item["metadata"]!["name"]!.GetValue<string>();
                    var role = item["metadata"]?["labels"]?[StandardLabels.Role]?.GetValue<string>();
                    if (!purge && KeptWithoutPurge.Contains(role))
                    {
                        changes.Add(new Change(device, resource, ns, name, ChangeAction.Kept, role == Roles.DataDisk
                            ? "the data disk; --purge deletes it"
                            : "the device's credentials; --purge deletes them"));
                        continue;
                    }

                    if (!dryRun)
                    {
                        await cluster.DeleteAsync(resource, ns, name, serverDryRun, ct).ConfigureAwait(false);
                    }

                    changes.Add(new Change(device, resource, ns, name, ChangeAction.Deleted, note));
                }
            }

            if (purge)
            {
                foreach (var state in states)
                {
                    var name = state["metadata"]!["name"]!.GetValue<string>();
                    if (!dryRun)
                    {
                        await cluster.DeleteAsync(ClusterResource.PersistentVolumeClaim, ns, name, serverDryRun, ct).ConfigureAwait(false);
                    }

                    changes.Add(new Change(device, ClusterResource.PersistentVolumeClaim, ns, name, ChangeAction.Deleted, note ?? "the vTPM state (--purge)"));
                }
            }
        }
        catch (ClusterApiException ex)
        {
            return new DeviceOutcome(ns, device, changes, [], false, ex.Message);
        }
        catch (ClusterUnavailableException ex)
        {
            return new DeviceOutcome(ns, device, changes, [], false, ex.Message, Unreachable: true);
        }

        return changes.Count == 0
            ? new DeviceOutcome(ns, device, changes, [], false, $"no objects of device {ns}/{device} (label {StandardLabels.Device}={device}) found", NotFound: true)
            : new DeviceOutcome(ns, device, changes, [], false, null);
    }
}
