using System.Text.Json.Nodes;
using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

/// <summary>
/// The two writes a rollout makes, the same for the CLI (<see cref="RolloutAction"/>) and the operator: a restart,
/// marked on the VM first (so a rerun knows it was asked for) and then asked of KubeVirt; and a failure, marked so the
/// rollout stays halted.
/// </summary>
public static class RolloutSteps
{
    /// <summary>The VM as the mark left it, and KubeVirt's refusal of the restart (the device then marked failed) or null.</summary>
    public static async Task<(JsonObject Vm, string? Refused)> RestartAsync(IClusterClient cluster, RolloutDevice device, string rollout, DateTimeOffset now, CancellationToken ct)
    {
        if (device.Undelivered)
        {
            // Read live, the VM first: virt-api records a restart in its status.stateChangeRequests, which virt-controller
            // clears only once the old instance is gone (kubevirt/kubevirt v1.9.0 pkg/virt-api/rest/lifecycle.go,
            // pkg/virt-controller/watch/vm/vm.go). No request on the VM, then that same instance still there and not
            // shutting down: the restart never arrived. Anything else: it did, and it is not asked twice.
            var live = await cluster.GetAsync(ClusterResource.VirtualMachine, device.Namespace, device.Name, ct).ConfigureAwait(false);
            var instance = await cluster.GetAsync(ClusterResource.VirtualMachineInstance, device.Namespace, device.Name, ct).ConfigureAwait(false);
            if (live is null || live["status"]?["stateChangeRequests"] is JsonArray { Count: > 0 } || instance?["metadata"]?["uid"]?.GetValue<string>() != device.Instance
                || instance?["metadata"]?["deletionTimestamp"] is not null)
            {
                return (live ?? new JsonObject(), null);
            }
        }

        var mark = new RolloutMarks.RestartMark(rollout, device.Revision!, device.Instance!, now, device.Ready);
        var vm = await cluster.MergePatchAsync(ClusterResource.VirtualMachine, device.Namespace, device.Name,
            RolloutMarks.Patch((RolloutMarks.Restart, mark.ToString())), dryRun: false, ct).ConfigureAwait(false);
        var restart = await new RestartAction(cluster).RunAsync(new RestartOptions(device.Namespace, device.Name), ct).ConfigureAwait(false);
        if (restart.Failure is not { } failure)
        {
            return (vm, null);
        }

        // KubeVirt refused it (runStrategy Once or Halted; an earlier stop still queued): the change cannot reach this
        // device by a restart, which is a failure of the rollout here, in KubeVirt's words.
        return (await MarkFailedAsync(cluster, device, ct).ConfigureAwait(false), failure.Message);
    }

    public static Task<JsonObject> MarkFailedAsync(IClusterClient cluster, RolloutDevice device, CancellationToken ct) =>
        cluster.MergePatchAsync(ClusterResource.VirtualMachine, device.Namespace, device.Name, RolloutMarks.Patch((RolloutMarks.Failed, device.Revision)), dryRun: false, ct);
}
