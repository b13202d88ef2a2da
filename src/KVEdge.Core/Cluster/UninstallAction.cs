using System.Text.Json.Nodes;
using KVEdge.Core.Rendering;

namespace KVEdge.Core.Cluster;

/// <summary>
/// `kvedge uninstall NAME`: deletes what kvedge created for the device, found by its labels, in reverse apply order.
/// The data disk (EdgeHub's queue, the identities) and the credentials Secret are kept unless <c>purge</c>; an
/// existingSecret the user made is never touched, because kvedge did not create it. So is a persistent vTPM's state
/// (the TPM's keys, which DPS knows the device by): KubeVirt makes that PVC owned by the VM, so deleting the VM would
/// garbage-collect it; its owner reference is dropped first, and a VM of the same name finds it again by its label.
/// </summary>
public sealed class UninstallAction(IClusterClient cluster)
{
    /// <summary>KubeVirt's label on a VM's backend-storage PVC (kubevirt/kubevirt pkg/storage/backend-storage/backend-storage.go).</summary>
    public const string PersistentStateLabel = "persistent-state-for";

    private static readonly string[] KeptWithoutPurge = [Roles.DataDisk, Roles.Credentials];

    /// <param name="mode">Client: list, write nothing. Server: every write sent with dryRun=All, so the API server (and
    /// its admission webhooks) checks it and stores nothing.</param>
    public async Task<DeviceOutcome> RunAsync(string ns, string device, bool purge, DryRunMode mode, CancellationToken ct)
    {
        var dryRun = mode == DryRunMode.Client;
        var serverDryRun = mode == DryRunMode.Server;
        var note = mode switch { DryRunMode.Client => "dry run", DryRunMode.Server => "server dry run", _ => null };
        var changes = new List<Change>();
        var selector = StandardLabels.DeviceSelector(device);
        try
        {
            // Before the VM goes: once it is deleted, the garbage collector takes the vTPM state with it.
            var states = (await cluster.ListAsync(ClusterResource.PersistentVolumeClaim, ns, $"{PersistentStateLabel}={device}", null, ct).ConfigureAwait(false)).Items
                .OrderBy(i => i["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal).ToList();
            if (!purge)
            {
                foreach (var state in states)
                {
                    var name = state["metadata"]!["name"]!.GetValue<string>();
                    if (!dryRun && state["metadata"]?["ownerReferences"] is JsonArray { Count: > 0 })
                    {
                        // Kept from the garbage collector, and from a GitOps tool's pruning as the data disk is.
                        var annotations = new JsonObject();
                        foreach (var (key, value) in KeepAnnotations.All)
                        {
                            annotations[key] = value;
                        }

                        await cluster.MergePatchAsync(ClusterResource.PersistentVolumeClaim, ns, name,
                            new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = null, ["annotations"] = annotations } }, serverDryRun, ct).ConfigureAwait(false);
                    }

                    changes.Add(new Change(device, ClusterResource.PersistentVolumeClaim, ns, name, ChangeAction.Kept,
                        "the vTPM state (the TPM's keys, which DPS knows this device by), no longer owned by the VM; a re-install finds it; --purge deletes it"));
                }
            }

            foreach (var resource in ClusterResource.Rendered.Reverse())
            {
                var list = await cluster.ListAsync(resource, ns, selector, null, ct).ConfigureAwait(false);
                foreach (var item in list.Items.OrderBy(i => i["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal))
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
            ? new DeviceOutcome(ns, device, changes, [], false, $"no objects of device {ns}/{device} (label {StandardLabels.Device}={device}) found")
            : new DeviceOutcome(ns, device, changes, [], false, null);
    }
}
