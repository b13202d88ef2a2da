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

    /// <summary>A list answered with its first <paramref name="AfterItems"/> items, then the connection closed mid-answer
    /// (an API server restarting, a load balancer's idle timeout): the client has part of a list and an I/O error.</summary>
    public sealed record CutList(int AfterItems) : Fault;

    /// <summary>Answer normally, but only after this long.</summary>
    public sealed record Latency(TimeSpan Delay) : Fault;
}
