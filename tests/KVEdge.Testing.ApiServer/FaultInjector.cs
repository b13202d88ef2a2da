using System.Collections.Concurrent;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// Faults armed by tests, like helm's FailingKubeClient: at the Nth request, or at every request matching a
/// predicate, for a number of times.
/// </summary>
public sealed class FaultInjector
{
    private readonly ConcurrentQueue<Rule> _rules = new();

    private sealed class Rule(Func<RecordedRequest, bool> match, Fault fault, int times)
    {
        private int _remaining = times;

        public bool TryFire(RecordedRequest request, out Fault fault)
        {
            fault = Fault;
            if (!match(request))
            {
                return false;
            }

            return Interlocked.Decrement(ref _remaining) >= 0;
        }

        public Fault Fault { get; } = fault;
    }

    /// <summary>Fails the request with this 0-based index (counting from the server's start or last reset).</summary>
    public void AtRequest(int index, Fault fault, int times = 1) => _rules.Enqueue(new Rule(r => r.Index >= index, fault, times));

    public void When(Func<RecordedRequest, bool> match, Fault fault, int times = 1) => _rules.Enqueue(new Rule(match, fault, times));

    public void Clear() => _rules.Clear();

    internal Fault? Next(RecordedRequest request)
    {
        foreach (var rule in _rules)
        {
            if (rule.TryFire(request, out var fault))
            {
                return fault;
            }
        }

        return null;
    }
}
