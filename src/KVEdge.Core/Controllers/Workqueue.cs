using System.Threading.Channels;

namespace KVEdge.Core.Controllers;

/// <summary>
/// A rate-limited work queue of keys, as client-go's (kubernetes/client-go v0.36.3 util/workqueue: doc.go,
/// default_rate_limiters.go): fair (first in, first out); a key pending twice is one item; a key never runs in two
/// workers at once, and one added while it runs runs again after it is Done; a key that fails is added back after
/// 5 ms·2^failures (capped), and Forget resets its count; AddAfter for a requeue after a while. Nothing here blocks a
/// thread: workers await <see cref="NextAsync"/>.
/// </summary>
public sealed class Workqueue : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = false });
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> _processing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _delayed = new(StringComparer.Ordinal);
    private readonly TimeProvider _clock;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;

    public Workqueue(TimeProvider? clock = null, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null)
    {
        _clock = clock ?? TimeProvider.System;
        _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(5);
        _maxDelay = maxDelay ?? TimeSpan.FromSeconds(1000);
    }

    /// <summary>Keys waiting to run (not those running or waiting for a delay): the queue depth.</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _dirty.Count(k => !_processing.Contains(k));
            }
        }
    }

    public void Add(string key)
    {
        lock (_gate)
        {
            if (!_dirty.Add(key))
            {
                return;
            }

            if (!_processing.Contains(key))
            {
                _ready.Writer.TryWrite(key);
            }
        }
    }

    /// <summary>Adds the key once <paramref name="delay"/> has passed (an earlier pending delay wins).</summary>
    public void AddAfter(string key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        var due = _clock.GetUtcNow().UtcDateTime + delay;
        lock (_gate)
        {
            // Shut down: a reconcile that ends after the queue stopped has nowhere to put its key.
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            if (_delayed.TryGetValue(key, out var existing) && existing <= due)
            {
                return;
            }

            _delayed[key] = due;
        }

        _ = Task.Delay(delay, _clock, _stop.Token).ContinueWith(_ =>
        {
            lock (_gate)
            {
                if (!_delayed.TryGetValue(key, out var when) || when != due)
                {
                    return;
                }

                _delayed.Remove(key);
            }

            Add(key);
        }, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    /// <summary>Adds the key back after its per-item backoff (5 ms·2^failures, capped), counting one more failure.</summary>
    public TimeSpan AddRateLimited(string key)
    {
        TimeSpan delay;
        lock (_gate)
        {
            var failures = _failures.GetValueOrDefault(key);
            _failures[key] = failures + 1;
            var ticks = _baseDelay.Ticks * Math.Pow(2, Math.Min(failures, 40));
            delay = ticks >= _maxDelay.Ticks ? _maxDelay : TimeSpan.FromTicks((long)ticks);
        }

        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Clears the key's failure count (it succeeded).</summary>
    public void Forget(string key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    /// <summary>The next key to work on; the caller calls <see cref="Done"/> when it has.</summary>
    public async ValueTask<string> NextAsync(CancellationToken ct)
    {
        while (true)
        {
            var key = await _ready.Reader.ReadAsync(ct).ConfigureAwait(false);
            lock (_gate)
            {
                // A key handed out twice (added, then re-added after Done) runs once.
                if (!_dirty.Contains(key) || _processing.Contains(key))
                {
                    continue;
                }

                _dirty.Remove(key);
                _processing.Add(key);
                return key;
            }
        }
    }

    /// <summary>The key's work is over; if it was added meanwhile it is queued again.</summary>
    public void Done(string key)
    {
        lock (_gate)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key))
            {
                _ready.Writer.TryWrite(key);
            }
        }
    }

    public void Dispose()
    {
        // Cancelled, not disposed: a worker finishing its last reconcile may still ask for a delay (refused above).
        _stop.Cancel();
        _ready.Writer.TryComplete();
    }
}
