namespace KVEdge.Core.Actions;

/// <summary>What a rollout does next, and where it stands.</summary>
/// <param name="Restart">The devices to restart now (none when halted, paused or complete).</param>
/// <param name="HaltReason">Why it halted: the failed devices and their reasons.</param>
public sealed record RolloutPlan(RolloutPhase Phase, IReadOnlyList<RolloutDevice> Restart, string? HaltReason,
    int Total, int Updated, int Pending, int Restarting, int Failed, int Unavailable, int MaxUnavailable)
{
    public bool Finished => Phase is RolloutPhase.Complete or RolloutPhase.Halted or RolloutPhase.Paused;
}
