namespace KVEdge.Core.Actions;

/// <summary>
/// How a change that needs a restart reaches a group of devices. The knobs and their anchors: a canary first (Device
/// Update for IoT Hub and hawkBit start with a small group), then at most <see cref="MaxUnavailable"/> devices not
/// Ready at once (KubeVirt's VirtualMachinePool and a Deployment's maxUnavailable), each restarted device healthy again
/// within <see cref="ProgressDeadline"/> (a Deployment's progressDeadlineSeconds), and the rollout halted once
/// <see cref="FailureThreshold"/> devices have failed (Device Update's failure threshold, hawkBit's error threshold).
/// The defaults are the operator's for a device no RolloutPolicy selects: one at a time, halting on the first failure.
/// </summary>
/// <param name="Canary">How many devices go first, alone, all of them healthy before any other is restarted; null for no canary.</param>
/// <param name="CanarySelector">A label selector for the canary devices instead of a count.</param>
/// <param name="MaxUnavailable">How many devices of the group may be not Ready at once, an unhealthy one not restarted yet included.</param>
/// <param name="FailureThreshold">How many failed devices halt the rollout (a canary's failure always does).</param>
/// <param name="ProgressDeadline">How long a restarted device has to be Ready again before it counts as failed.</param>
public sealed record RolloutPolicy(CountOrPercent? Canary, string? CanarySelector, CountOrPercent MaxUnavailable, CountOrPercent FailureThreshold, TimeSpan ProgressDeadline)
{
    public static readonly TimeSpan DefaultProgressDeadline = TimeSpan.FromMinutes(10);

    /// <summary>One at a time, health-gated, halting on the first failure.</summary>
    public static RolloutPolicy Default { get; } = new(null, null, CountOrPercent.Count(1), CountOrPercent.Count(1), DefaultProgressDeadline);
}
