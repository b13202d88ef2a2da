namespace KVEdge.Core.Controllers;

/// <summary>
/// What the controller has done, for its metrics (controller-runtime's names, pkg/internal/controller/metrics,
/// v0.24.1): reconciles by result, their total time, and the writes they made (a converged fleet makes none).
/// </summary>
public sealed class ControllerStats
{
    private long _success;
    private long _errors;
    private long _requeueAfter;
    private long _writes;
    private long _ticks;

    public long Successes => Interlocked.Read(ref _success);

    public long Errors => Interlocked.Read(ref _errors);

    public long RequeuesAfter => Interlocked.Read(ref _requeueAfter);

    public long Writes => Interlocked.Read(ref _writes);

    public long Reconciles => Successes + Errors + RequeuesAfter;

    public TimeSpan ReconcileTime => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    public void Reconciled(ControllerResult result, TimeSpan took)
    {
        Interlocked.Add(ref _ticks, took.Ticks);
        if (result.Retry)
        {
            Interlocked.Increment(ref _errors);
        }
        else if (result.After is not null)
        {
            Interlocked.Increment(ref _requeueAfter);
        }
        else
        {
            Interlocked.Increment(ref _success);
        }
    }

    public void Wrote(int count) => Interlocked.Add(ref _writes, count);
}
