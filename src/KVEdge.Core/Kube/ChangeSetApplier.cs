using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

/// <summary>
/// Apply as a change set, the generic part (as flux's ssa ResourceManager.ApplyAll): each object is stamped with the
/// hash of what is applied, skipped without a request when the live object carries the same hash and still holds
/// everything rendered, and otherwise server-side applied; the entry says created, configured or unchanged. What to do
/// about a change (restarts, immutable fields) is the caller's policy, not this unit's.
/// </summary>
public sealed class ChangeSetApplier(IClusterClient cluster, ApplyOptions options)
{
    /// <summary><paramref name="rendered"/> with the applied-hash annotation, as it is compared and applied.</summary>
    public static JsonObject Stamp(JsonObject rendered) => AppliedHash.Stamp(rendered);

    /// <summary>Whether applying <paramref name="stamped"/> would change nothing on <paramref name="live"/>.</summary>
    public static bool IsUnchanged(JsonObject stamped, JsonObject? live) => AppliedHash.IsUnchanged(stamped, live);

    /// <summary>Server-side applies <paramref name="stamped"/>; the change is created or configured as the server saw it.</summary>
    public async Task<Change> ApplyAsync(string device, ClusterResource resource, JsonObject stamped, JsonObject? live, CancellationToken ct)
    {
        var stored = await cluster.ApplyAsync(resource, stamped, options, ct).ConfigureAwait(false);
        // Not in the list may still mean there: an object of that name without the device's labels, which the apply
        // adopted (another manager's fields in what came back say so).
        var existed = live is not null || stored["metadata"]?["managedFields"]?.AsArray().Any(m => m?["manager"]?.GetValue<string>() != options.FieldManager) == true;
        var name = stamped["metadata"]!["name"]!.GetValue<string>();
        var ns = stamped["metadata"]?["namespace"]?.GetValue<string>() ?? "";
        return new Change(device, resource, ns, name, existed ? ChangeAction.Configured : ChangeAction.Created, options.DryRun ? "server dry run" : null);
    }

    /// <summary>The entry for an object left as it is.</summary>
    public static Change Unchanged(string device, ClusterResource resource, string ns, string name) => new(device, resource, ns, name, ChangeAction.Unchanged);
}
