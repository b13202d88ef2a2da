using System.Net;

namespace KVEdge.Core.Kube;

/// <summary>The API server answered with an error (after retries where the error was transient).</summary>
public sealed class ClusterApiException(HttpStatusCode status, string reason, string message, IReadOnlyList<string>? causes = null) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public string Reason { get; } = reason;

    /// <summary>The Status details' causes ("field: message"), e.g. each field of a server-side apply conflict.</summary>
    public IReadOnlyList<string> Causes { get; } = causes ?? [];

    public bool IsNotFound => Status == HttpStatusCode.NotFound;

    public bool IsConflict => Status == HttpStatusCode.Conflict;
}
