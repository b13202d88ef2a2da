namespace KVEdge.Core.Kubernetes;

/// <summary>A VMI probe (kubevirt.io/v1 Probe). kvedge sets only the exec handler, which KubeVirt runs in the guest
/// through the qemu-guest-agent (guest-exec); without the agent the probe fails.</summary>
public sealed class Probe
{
    public ExecAction? Exec { get; set; }

    public int? InitialDelaySeconds { get; set; }

    public int? PeriodSeconds { get; set; }

    public int? TimeoutSeconds { get; set; }

    public int? SuccessThreshold { get; set; }

    public int? FailureThreshold { get; set; }
}
