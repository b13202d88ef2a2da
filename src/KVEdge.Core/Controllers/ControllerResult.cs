namespace KVEdge.Core.Controllers;

/// <summary>
/// What one reconcile of a key asks of the queue, as controller-runtime's Result and error do
/// (pkg/internal/controller/controller.go, v0.24.1): nothing more, a look again after a while (the failure count
/// forgotten), or a retry after the key's growing backoff.
/// </summary>
public sealed record ControllerResult(bool Retry, TimeSpan? After)
{
    public static readonly ControllerResult Done = new(false, null);

    public static readonly ControllerResult RetryLater = new(true, null);

    public static ControllerResult RequeueAfter(TimeSpan after) => new(false, after);
}
