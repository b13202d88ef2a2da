using KVEdge.Core.Actions;

namespace KVEdge.Core.Controllers;

/// <summary>
/// When the operator restarts a device that stays unhealthy: after <see cref="UnhealthyFor"/>, at most
/// <see cref="RetryLimit"/> times in <see cref="RetryWindow"/> (cluster-api-provider-kubevirt's remediation: a reboot
/// with a retry limit), and not at all while more than <see cref="MaxUnhealthy"/> of the selected devices are unhealthy
/// (cluster-api MachineHealthCheck's maxUnhealthy: a shared cause is not fixed by restarts).
/// </summary>
public sealed record RemediationPolicy(TimeSpan UnhealthyFor, int RetryLimit, TimeSpan RetryWindow, CountOrPercent MaxUnhealthy)
{
    public static readonly TimeSpan DefaultUnhealthyFor = TimeSpan.FromMinutes(5);
    public const int DefaultRetryLimit = 3;
    public static readonly TimeSpan DefaultRetryWindow = TimeSpan.FromHours(1);
}
