using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

/// <summary>What happened to one device: its change set, whether its VM needs a restart, and the error that stopped it.</summary>
public sealed record DeviceOutcome(string Namespace, string Name, IReadOnlyList<Change> Changes, IReadOnlyList<string> RestartReasons, bool Restarted, string? Error,
    bool TimedOut = false, bool Conflict = false, bool Unreachable = false, IReadOnlyList<string>? Notes = null, string? WaitedFor = null,
    bool Interrupted = false, bool NotFound = false)
{
    public bool Succeeded => Error is null;

    /// <summary>A change reaches the running guest only when the VM restarts (see <see cref="RestartReasons"/>).</summary>
    public bool RestartNeeded => RestartReasons.Count > 0;

    /// <summary>The revision stamped on its VM's template (<see cref="RolloutRevision"/>); null when the apply did not reach the VM.</summary>
    public string? Revision { get; init; }
}
