using System.Text.Json.Nodes;

namespace KVEdge.Core.Actions;

/// <summary>
/// Where a device is on its way to Ready, worked out from its VirtualMachine, VirtualMachineInstance and DataVolumes
/// alone (no request, no clock): one answer for `install --wait`, `status` and, next, the operator's conditions. The
/// reason is CamelCase, as KubeVirt's docs/conditions.md asks of a condition's reason; the message is for a person.
/// </summary>
/// <param name="Stage">The step the device is in (what --wait reports as it changes).</param>
/// <param name="Reason">Why it is not further: Stopped, ImportFailed, Importing, ImportFailing, WaitingForFirstConsumer,
/// Starting, Restarting, WaitingForGuestAgent, HealthProbeNotPassing, Ready.</param>
/// <param name="Message">What it waits for, in words.</param>
public sealed record DeviceReadiness(WaitStage Stage, string Reason, string Message)
{
    /// <param name="device">The device's name (the VM's), for the commands the message names.</param>
    /// <param name="vm">Its VirtualMachine, or null when it does not exist (yet).</param>
    /// <param name="vmi">Its VirtualMachineInstance, or null.</param>
    /// <param name="dataVolumes">Its DataVolumes, in name order.</param>
    /// <param name="expectedDataVolumes">How many DataVolumes the rendering has (0: whatever exists).</param>
    /// <param name="replacedVmi">The uid of an instance a restart replaces: that one does not count as Running.</param>
    public static DeviceReadiness Of(string device, JsonObject? vm, JsonObject? vmi, IReadOnlyList<JsonObject> dataVolumes, int expectedDataVolumes = 0, string? replacedVmi = null)
    {
        // KubeVirt starts a VM by itself only for Always, RerunOnFailure and Once; Halted and Manual wait for a start
        // request (kubevirt.io user-guide, run strategies).
        if (vm?["spec"]?["runStrategy"]?.GetValue<string>() is "Halted" or "Manual" && vm["status"]?["ready"]?.GetValue<bool>() != true)
        {
            return new(WaitStage.NotWaited, "Stopped",
                $"runStrategy {vm["spec"]!["runStrategy"]} keeps the VM stopped until it is started (virtctl start {device})");
        }

        foreach (var dv in dataVolumes)
        {
            if (dv["status"]?["phase"]?.GetValue<string>() == "Failed")
            {
                return new(WaitStage.Failed, "ImportFailed", $"DataVolume {Name(dv)} failed to import");
            }
        }

        // The VM's readinessProbe (kvedge-health through the guest agent) holds the VMI's Ready condition, and so the VM's
        // status.ready, until IoT Edge is healthy: the instance runs and its agent connects long before that on a first
        // boot that installs packages, so those come first and Ready last (kubevirt.io user-guide, "Liveness and
        // Readiness Probes"; the VMI's Ready copies the virt-launcher pod's, kubevirt/kubevirt
        // pkg/virt-controller/watch/vmi.go).
        if (dataVolumes.Count < expectedDataVolumes || !dataVolumes.All(dv => dv["status"]?["phase"]?.GetValue<string>() == "Succeeded"))
        {
            // An importer that keeps failing is said (CDI never makes the DataVolume Failed for it, only Running=False
            // with the importer's message; see ImportState); so is WaitForFirstConsumer storage, whose claim binds only
            // once the VM's pod is scheduled (CDI's PendingPopulation).
            if (dataVolumes.FirstOrDefault(dv => ImportState.IsFailing(dv["status"])) is { } failing)
            {
                return new(WaitStage.Importing, "ImportFailing", $"the DataVolumes to import ({Name(failing)}: {ImportState.Progress(failing["status"])})");
            }

            if (dataVolumes.FirstOrDefault(dv => dv["status"]?["phase"]?.GetValue<string>() is "WaitForFirstConsumer" or "PendingPopulation") is { } pending)
            {
                return new(WaitStage.Importing, "WaitingForFirstConsumer", $"the DataVolumes to import ({Name(pending)}: {ImportState.Describe(pending["status"])})");
            }

            return new(WaitStage.Importing, "Importing", "the DataVolumes to import");
        }

        if (vm is null || vmi is null || vmi["metadata"]?["uid"]?.GetValue<string>() == replacedVmi || vmi["status"]?["phase"]?.GetValue<string>() != "Running")
        {
            return replacedVmi is null
                ? new(WaitStage.Starting, "Starting", "the VirtualMachineInstance to be Running")
                : new(WaitStage.Starting, "Restarting", "the restarted VM: a new VirtualMachineInstance, Running");
        }

        if (!HasCondition(vmi, "AgentConnected"))
        {
            return new(WaitStage.Agent, "WaitingForGuestAgent",
                "the guest agent (VMI condition AgentConnected; qemu-guest-agent in the guest, installed at its first boot)");
        }

        // The VMI's Ready, not the VM's status.ready: the VM controller copies it from the VMI, a moment later.
        return HasCondition(vmi, "Ready")
            ? new(WaitStage.Ready, "Ready", "ready")
            : new(WaitStage.Healthy, "HealthProbeNotPassing",
                $"IoT Edge to be healthy (the VMI's Ready condition: its readinessProbe runs kvedge-health in the guest; kvedge health {device} says why not)");
    }

    public static bool HasCondition(JsonObject obj, string type) =>
        obj["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == type && c["status"]?.GetValue<string>() == "True") == true;

    private static string Name(JsonObject obj) => obj["metadata"]!["name"]!.GetValue<string>();
}
