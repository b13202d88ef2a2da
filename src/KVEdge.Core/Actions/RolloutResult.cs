namespace KVEdge.Core.Actions;

/// <summary>
/// How a rollout ended: its last plan (Complete, Halted with the reason, Paused), or not finished: the deadline passed
/// (<see cref="TimedOut"/>), the user interrupted it, or the cluster could not be read (<see cref="Error"/>). The
/// devices as last observed; the number of waves started in this run.
/// </summary>
public sealed record RolloutResult(RolloutPlan Plan, IReadOnlyList<RolloutDevice> Devices, int Waves, bool TimedOut = false, bool Interrupted = false, string? Error = null)
{
    public bool Succeeded => Plan.Phase == RolloutPhase.Complete && !TimedOut && !Interrupted && Error is null;
}
