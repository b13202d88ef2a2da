namespace KVEdge.Core.Actions;

/// <summary>
/// What one reconcile of a device came to, as controller-runtime's Result with its error: done, do it again after a
/// while (a phase that would otherwise wait, such as for an object to finish deleting; the scope resumes where it
/// stopped), or stopped with a failure. The CLI's driver sleeps on a requeue; the operator puts the key back on its
/// rate-limited queue.
/// </summary>
public sealed record ReconcileResult(ReconcileStep Step, TimeSpan RequeueAfter = default, string? WaitingFor = null)
{
    public static readonly ReconcileResult Continue = new(ReconcileStep.Continue);

    public static readonly ReconcileResult Done = new(ReconcileStep.Done);

    public static readonly ReconcileResult Stopped = new(ReconcileStep.Stopped);

    public static ReconcileResult Requeue(TimeSpan after, string waitingFor) => new(ReconcileStep.Requeue, after, waitingFor);
}
