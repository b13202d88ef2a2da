namespace KVEdge.Core.Actions;

/// <summary>What a rollout tells as it goes (the CLI's live view; the operator's Events).</summary>
public interface IRolloutReporter
{
    /// <summary>A wave of restarts starts: the devices restarted now.</summary>
    void Wave(int wave, RolloutPhase phase, IReadOnlyList<RolloutDevice> restarting);

    /// <summary>A device has settled: Updated, Failed or StillUnhealthy.</summary>
    void Settled(RolloutDevice device);

    /// <summary>The counts changed.</summary>
    void Progress(RolloutPlan plan);
}
