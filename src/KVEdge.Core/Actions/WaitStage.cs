namespace KVEdge.Core.Actions;

/// <summary>Where a device is on its way up under --wait (the last two end its wait without it being up).</summary>
public enum WaitStage
{
    Importing,
    Starting,
    Agent,

    /// <summary>The VMI is not Ready: its readinessProbe (the guest's health program) has not passed yet.</summary>
    Healthy,
    Ready,
    NotWaited,
    Failed,
}
