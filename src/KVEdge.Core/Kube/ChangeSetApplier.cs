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
    /// <summary>
    /// One object of the set: unchanged, no request; else <paramref name="beforeApply"/> (the caller's policy, given the
    /// stamped object) may hold it with the entry it returns; else server-side applied, created or configured as the
    /// server saw it.
    /// </summary>
    public async Task<Change> ApplyAsync(string device, ClusterResource resource, JsonObject rendered, JsonObject? live, Func<JsonObject, Change?> beforeApply, CancellationToken ct)
    {
        var stamped = AppliedHash.Stamp(rendered);
        var name = stamped["metadata"]!["name"]!.GetValue<string>();
        var ns = stamped["metadata"]?["namespace"]?.GetValue<string>() ?? "";
        if (AppliedHash.IsUnchanged(stamped, live))
        {
            return new Change(device, resource, ns, name, ChangeAction.Unchanged);
        }

        if (beforeApply(stamped) is { } held)
        {
            return held;
        }

        var stored = await cluster.ApplyAsync(resource, stamped, options, ct).ConfigureAwait(false);
        // Not in the list may still mean there: an object of that name without the device's labels, which the apply
        // adopted (another manager's fields in what came back say so).
        var existed = live is not null || stored["metadata"]?["managedFields"]?.AsArray().Any(m => m?["manager"]?.GetValue<string>() != options.FieldManager) == true;
        return new Change(device, resource, ns, name, existed ? ChangeAction.Configured : ChangeAction.Created, options.DryRun ? "server dry run" : null);
    }
}
