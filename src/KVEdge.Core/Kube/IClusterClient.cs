using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

/// <summary>
/// The narrow seam between kvedge's actions and a cluster (helm's kube.Interface): objects as JSON, one method per
/// verb kvedge uses. <see cref="KubernetesClusterClient"/> implements it with KubernetesClient.
/// </summary>
public interface IClusterClient
{
    /// <summary>The object, or null when it does not exist.</summary>
    Task<JsonObject?> GetAsync(ClusterResource resource, string? ns, string name, CancellationToken ct);

    Task<ObjectList> ListAsync(ClusterResource resource, string? ns, string? labelSelector, string? fieldSelector, CancellationToken ct);

    /// <summary>
    /// A LIST whose items are handed to <paramref name="onItem"/> one by one as they arrive (each its own JSON, which the
    /// callee may keep), never held together: how a cache fills without the whole list in memory. Returns the list's
    /// resourceVersion.
    /// </summary>
    Task<string?> ListEachAsync(ClusterResource resource, string? ns, string? labelSelector, string? fieldSelector, Action<System.Text.Json.JsonElement> onItem, CancellationToken ct);

    /// <summary>Server-side apply of <paramref name="obj"/>; returns the object the server stored (or would store, in a dry run).</summary>
    Task<JsonObject> ApplyAsync(ClusterResource resource, JsonObject obj, ApplyOptions options, CancellationToken ct);

    /// <summary>An RFC 7386 JSON merge patch (what `kubectl patch --type merge` sends), for fields another manager set.</summary>
    Task<JsonObject> MergePatchAsync(ClusterResource resource, string ns, string name, JsonObject patch, bool dryRun, CancellationToken ct);

    /// <summary>Deletes the object (with <paramref name="dryRun"/>, dryRun=All: checked, not done); false when it was already gone.</summary>
    Task<bool> DeleteAsync(ClusterResource resource, string ns, string name, bool dryRun, CancellationToken ct);

    /// <summary>A watch of one namespace, or of all with <paramref name="ns"/> null, from <paramref name="resourceVersion"/>.</summary>
    IAsyncEnumerable<WatchEventData> WatchAsync(ClusterResource resource, string? ns, string? labelSelector, string? fieldSelector, string? resourceVersion, CancellationToken ct);

    /// <summary>Server-side apply to the status subresource: only <c>status</c> of <paramref name="obj"/> is taken.</summary>
    Task<JsonObject> ApplyStatusAsync(ClusterResource resource, JsonObject obj, ApplyOptions options, CancellationToken ct);

    /// <summary>A POST of a new object (an Event, a Lease); a 409 AlreadyExists is a <see cref="ClusterApiException"/>.</summary>
    Task<JsonObject> CreateAsync(ClusterResource resource, JsonObject obj, CancellationToken ct);

    /// <summary>A PUT of the whole object, with its resourceVersion (a stale one is a 409 Conflict).</summary>
    Task<JsonObject> ReplaceAsync(ClusterResource resource, JsonObject obj, CancellationToken ct);

    /// <summary>KubeVirt's restart subresource (what `virtctl restart` calls).</summary>
    Task RestartVirtualMachineAsync(string ns, string name, CancellationToken ct);

    /// <summary>KubeVirt's VMI portforward subresource: a websocket carrying one TCP stream to the guest's port (what
    /// `virtctl port-forward` and `virtctl ssh` use), so the guest is reached through the API server, with no Service.</summary>
    Task<System.Net.WebSockets.WebSocket> PortForwardAsync(string ns, string vmi, int port, CancellationToken ct);

    /// <summary>SelfSubjectAccessReview: may the current user do this?</summary>
    Task<bool> CanIAsync(string verb, string group, string resource, string? subresource, string? ns, CancellationToken ct);
}
