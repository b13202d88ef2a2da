using System.Net;

namespace KVEdge.Core.Kube;

/// <summary>
/// Retries what a busy or restarting API server answers: 429 (after its Retry-After), 500, 502, 503, 504, and a dropped
/// connection. Every request kvedge makes is idempotent (get, list, server-side apply, delete), so a retry is safe.
/// </summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static readonly RetryPolicy Default = new(5, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));

    public static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    public TimeSpan DelayFor(int attempt, TimeSpan? retryAfter)
    {
        var backoff = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * (1L << Math.Min(attempt, 20))));
        return retryAfter is { } server && server > backoff ? TimeSpan.FromTicks(Math.Min(server.Ticks, MaxDelay.Ticks)) : backoff;
    }
}
