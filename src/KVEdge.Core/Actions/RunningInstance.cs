using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

/// <summary>
/// Whether a device has a Running VirtualMachineInstance, the only kind virt-api forwards a port to (kubevirt/kubevirt
/// v1.9.0 pkg/virt-api/rest/portforward.go, "VMI is not running"): asked before ssh or a listener starts, so the user
/// hears why rather than a connection that closes.
/// </summary>
public static class RunningInstance
{
    /// <summary>Null when the instance is Running; else why the guest cannot be reached.</summary>
    public static async Task<ActionFailure?> CheckAsync(IClusterClient cluster, string ns, string device, CancellationToken ct)
    {
        var vmi = await cluster.GetAsync(ClusterResource.VirtualMachineInstance, ns, device, ct).ConfigureAwait(false);
        if (vmi is null)
        {
            var vm = await cluster.GetAsync(ClusterResource.VirtualMachine, ns, device, ct).ConfigureAwait(false);
            return vm is null
                ? new ActionFailure(FailureKind.NotFound, $"device {ns}/{device} not found (no VirtualMachine {device})")
                : new ActionFailure(FailureKind.Failed, $"device {ns}/{device} is not running: its VirtualMachine has no instance ({vm["status"]?["printableStatus"]?.GetValue<string>() ?? "Stopped"}; runStrategy {vm["spec"]?["runStrategy"]?.GetValue<string>() ?? "unset"})");
        }

        var phase = vmi["status"]?["phase"]?.GetValue<string>() ?? "Pending";
        return phase == "Running" ? null : new ActionFailure(FailureKind.Failed, $"device {ns}/{device} is not running yet: its VirtualMachineInstance is {phase}");
    }
}
