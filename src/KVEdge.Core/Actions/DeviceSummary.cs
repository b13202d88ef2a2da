using System.Text.Json.Nodes;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// A device's <see cref="EdgeDeviceStatus"/> from its objects as the cluster has them: what the operator writes into an
/// EdgeDevice's status and what `kvedge status -o json` prints for every device (operator-run or not), built in one
/// place so the two say the same thing.
/// </summary>
public static class DeviceSummary
{
    public static EdgeDeviceStatus Of(DeviceReadiness readiness, JsonObject? vm, JsonObject? vmi, JsonObject? rootDisk, long? generation,
        IList<EdgeDeviceCondition> previous, DateTimeOffset now, string? iotEdgeVersion = null, string? ssh = null) => new()
        {
            ObservedGeneration = generation,
            Conditions = DeviceConditions.Applied(readiness, generation, previous, now, PendingRevision(vm, vmi)),
            Stage = readiness.Stage == WaitStage.NotWaited ? readiness.Reason : readiness.Stage.ToString(),
            Vm = vm?["status"]?["printableStatus"]?.GetValue<string>(),
            IotEdge = StatusAction.IotEdgeFromReadiness(vmi),
            IotEdgeVersion = iotEdgeVersion,
            Node = vmi?["status"]?["nodeName"]?.GetValue<string>(),
            Ip = vmi?["status"]?["interfaces"]?.AsArray().FirstOrDefault()?["ipAddress"]?.GetValue<string>(),
            Import = rootDisk?["status"] is JsonObject s ? ImportState.Describe(s) : null,
            Ssh = ssh,
        };

    // The revision applied to the VM when its running instance booted another one; null when they agree, or when the
    // instance started before kvedge stamped revisions (nothing to compare).
    private static string? PendingRevision(JsonObject? vm, JsonObject? vmi) =>
        RolloutMarks.RevisionOf(vm) is { } applied && RolloutMarks.InstanceRevisionOf(vmi) is { } running && applied != running
        && vmi?["metadata"]?["deletionTimestamp"] is null ? applied : null;
}
