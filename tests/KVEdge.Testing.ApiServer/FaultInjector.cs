using System.Collections.Concurrent;
using System.Net;

namespace KVEdge.Testing.ApiServer;

/// <summary>What the server does instead of (or before) answering a request.</summary>
public abstract record Fault
{
    /// <summary>Answer with this status (500, 503, ...) and a metav1.Status body.</summary>
    public sealed record Status(HttpStatusCode Code, string Reason = "InternalError") : Fault;

    /// <summary>429 Too Many Requests with Retry-After, as API Priority and Fairness does
    /// (https://kubernetes.io/docs/concepts/cluster-administration/flow-control/).</summary>
    public sealed record Throttle(int RetryAfterSeconds) : Fault;

    /// <summary>Close the connection without an answer.</summary>
    public sealed record Drop : Fault;

    /// <summary>Answer normally, but only after this long.</summary>
    public sealed record Latency(TimeSpan Delay) : Fault;
}

/// <summary>A request as the server saw it, for counting and golden assertions.</summary>
public sealed record RecordedRequest(int Index, string Method, string Path, string Query, bool DryRun)
{
    /// <summary>When the server received it.</summary>
    public DateTime At { get; } = DateTime.UtcNow;

    public bool IsWatch => Query.Contains("watch=true", StringComparison.Ordinal);

    public bool IsWrite => !DryRun && Method is "POST" or "PUT" or "PATCH" or "DELETE";

    public override string ToString() => $"{Method} {Path}{Query}";
}

/// <summary>
/// Faults armed by tests, like helm's FailingKubeClient: at the Nth request, or at every request matching a
/// predicate, for a number of times.
/// </summary>
public sealed class FaultInjector
{
    private readonly ConcurrentQueue<Rule> rules = new();

    private sealed class Rule(Func<RecordedRequest, bool> match, Fault fault, int times)
    {
        private int remaining = times;

        public bool TryFire(RecordedRequest request, out Fault fault)
        {
            fault = Fault;
            if (!match(request))
            {
                return false;
            }

            return Interlocked.Decrement(ref remaining) >= 0;
        }

        public Fault Fault { get; } = fault;
    }

    /// <summary>Fails the request with this 0-based index (counting from the server's start or last reset).</summary>
    public void AtRequest(int index, Fault fault, int times = 1) => rules.Enqueue(new Rule(r => r.Index >= index, fault, times));

    public void When(Func<RecordedRequest, bool> match, Fault fault, int times = 1) => rules.Enqueue(new Rule(match, fault, times));

    public void Clear() => rules.Clear();

    internal Fault? Next(RecordedRequest request)
    {
        foreach (var rule in rules)
        {
            if (rule.TryFire(request, out var fault))
            {
                return fault;
            }
        }

        return null;
    }
}
