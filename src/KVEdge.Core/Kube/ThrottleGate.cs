namespace KVEdge.Core.Kube;

/// <summary>
/// Holds every request of one client back after the server answered 429 with Retry-After: the server throttles the
/// client (API Priority and Fairness, https://kubernetes.io/docs/concepts/cluster-administration/flow-control/), so
/// the other workers of a fleet install must not keep sending while one of them waits. Retry-After is honoured in full,
/// up to <see cref="MaxPause"/>.
/// </summary>
public sealed class ThrottleGate(TimeProvider? time = null)
{
    public static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(60);

    private readonly TimeProvider _clock = time ?? TimeProvider.System;
    private long _resumeAtTicks;

    public bool IsPaused => _clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _resumeAtTicks);

    public void PauseFor(TimeSpan retryAfter)
    {
        var until = _clock.GetUtcNow().UtcTicks + Math.Min(retryAfter.Ticks, MaxPause.Ticks);
        long current;
        do
        {
            current = Interlocked.Read(ref _resumeAtTicks);
            if (current >= until)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _resumeAtTicks, until, current) != current);
    }

    public async Task WaitAsync()
    {
        while (true)
        {
            var wait = Interlocked.Read(ref _resumeAtTicks) - _clock.GetUtcNow().UtcTicks;
            if (wait <= 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromTicks(wait), _clock).ConfigureAwait(false);
        }
    }
}
