using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// A real guest that a simulated instance stands for (the e2e harness's qemu machine). With one set, the simulator does
/// what KubeVirt does to a guest instead of timing it: it shuts the guest down when the instance stops (virt-handler's
/// graceful shutdown), boots it from the VM as it is in the store when the instance starts (virt-launcher's domain,
/// built from the VMI, which virt-controller built from the VM's template), counts the agent connected once the guest's
/// agent answers (virt-handler's guest-ping), and runs the readiness probe in the guest on the probe's schedule
/// (virt-probe's guest-exec through the agent). A double's hook, not KubeVirt.
/// </summary>
public interface IGuestMachine
{
    /// <summary>Shuts the guest of instance ns/name down; returns once it is off.</summary>
    Task StopAsync(string ns, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Boots the guest of <paramref name="vm"/> from the objects as they are now in the store (<paramref name="objects"/>:
    /// the VM and its namespace's ConfigMaps, Secrets and DataVolumes; the presenter takes those the VM names); returns
    /// once its agent answers.
    /// </summary>
    Task BootAsync(JsonObject vm, IReadOnlyList<JsonObject> objects, CancellationToken cancellationToken);

    /// <summary>The readiness probe's exit code in the guest (0: ready) and its output.</summary>
    Task<(int ExitCode, string Output)> ProbeAsync(string ns, string name, CancellationToken cancellationToken);
}
