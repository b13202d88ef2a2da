namespace KVEdge.Core.Actions;

public enum RolloutPhase
{
    /// <summary>The canary devices restart, alone.</summary>
    Canary,

    /// <summary>The rest restart, at most maxUnavailable not Ready at once.</summary>
    Rolling,

    /// <summary>Devices still wait for the change, but every one of them is paused.</summary>
    Paused,

    /// <summary>A canary failed, or failures reached the threshold: no further device is restarted.</summary>
    Halted,

    /// <summary>Nothing waits for a restart and nothing is restarting.</summary>
    Complete,
}
