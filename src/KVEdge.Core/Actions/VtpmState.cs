using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// A persistent vTPM's state: the PVC KubeVirt makes for a VM with <c>tpm.persistent</c>, labelled
/// persistent-state-for=NAME and owned by the VM, found again by its label when a VM of that name starts
/// (kubevirt/kubevirt v1.9 pkg/storage/backend-storage/backend-storage.go). It holds the TPM's keys, which DPS knows
/// the device by: losing it is losing the device's identity.
/// </summary>
internal static class VtpmState
{
    /// <summary>KubeVirt's label on a VM's backend-storage PVC, naming the VM (kubevirt/kubevirt
    /// pkg/storage/backend-storage/backend-storage.go).</summary>
    public const string Label = "persistent-state-for";

    /// <summary>
    /// Takes the state from the garbage collector (its owner reference dropped) and from a GitOps tool's pruning (the
    /// keep annotations, as the data disk has).
    /// </summary>
    public static Task KeepAsync(IClusterClient cluster, string ns, string name, bool serverDryRun, CancellationToken ct)
    {
        var annotations = new JsonObject();
        foreach (var (key, value) in KeepAnnotations.All)
        {
            annotations[key] = value;
        }

        return cluster.MergePatchAsync(ClusterResource.PersistentVolumeClaim, ns, name,
            new JsonObject { ["metadata"] = new JsonObject { ["ownerReferences"] = null, ["annotations"] = annotations } }, serverDryRun, ct);
    }

    /// <summary>Whether the rendered VM asks for a persistent vTPM (spec.template.spec.domain.devices.tpm.persistent).</summary>
    public static bool IsWanted(JsonObject vm) => vm["spec"]?["template"]?["spec"]?["domain"]?["devices"]?["tpm"]?["persistent"]?.GetValue<bool>() == true;
}
