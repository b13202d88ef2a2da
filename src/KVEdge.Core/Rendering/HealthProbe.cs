using KVEdge.Core.Kubernetes;

namespace KVEdge.Core.Rendering;

/// <summary>
/// The VM's readinessProbe: the guest's health program (kvedge-health, delivered on the config disk), run by KubeVirt
/// through the qemu-guest-agent (kubevirt.io/user-guide "Liveness and Readiness Probes", exec: "executed on the guest
/// through the qemu-guest-agent"). The VMI is Ready, and the Service has endpoints, only while IoT Edge is healthy.
/// </summary>
public static class HealthProbe
{
    public const string Program = "/usr/local/lib/kvedge/kvedge-health";

    // A readiness probe never restarts the VM, so a long first boot (packages installed on a stock image) costs nothing
    // but a not-Ready VMI: a short first delay and a steady period make a converged device Ready within a period. The
    // timeout is above the program's own per-step limit (8 s), under the period.
    public const int InitialDelaySeconds = 30;
    public const int PeriodSeconds = 15;
    public const int TimeoutSeconds = 10;
    public const int FailureThreshold = 3;

    public static Probe Readiness() => new()
    {
        Exec = new ExecAction { Command = [Program] },
        InitialDelaySeconds = InitialDelaySeconds,
        PeriodSeconds = PeriodSeconds,
        TimeoutSeconds = TimeoutSeconds,
        FailureThreshold = FailureThreshold,
    };
}
