namespace KVEdge.Core.Actions;

/// <summary>Where a device's wait ended: ready, not waited for (a runStrategy that keeps it stopped), failed, or still at
/// <see cref="Stage"/> when the deadline came.</summary>
public sealed record WaitResult(WaitTarget Target, bool Ready, string Stage, string? Error = null, bool TimedOut = false, bool Interrupted = false);
