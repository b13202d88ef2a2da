using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

/// <summary>
/// The annotation that lets install skip an object without writing: the SHA-256 of what kvedge last applied. An object
/// is unchanged when the annotation matches the new rendering and every rendered field still has its rendered value
/// on the cluster (so an edit by someone else is repaired, and a field kvedge stopped rendering is removed by SSA).
/// </summary>
public static class AppliedHash
{
    public const string Annotation = "kvedge.io/applied-hash";

    public static string Of(JsonObject rendered) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(rendered.ToJsonString())));

    /// <summary>The rendered object with its hash annotation, ready to apply.</summary>
    public static JsonObject Stamp(JsonObject rendered)
    {
        var stamped = rendered.DeepClone().AsObject();
        var metadata = stamped["metadata"]!.AsObject();
        if (metadata["annotations"] is not JsonObject annotations)
        {
            annotations = new JsonObject();
            metadata["annotations"] = annotations;
        }

        annotations[Annotation] = Of(rendered);
        return stamped;
    }

    public static bool IsUnchanged(JsonObject stamped, JsonObject? live) =>
        live is not null
        && live["metadata"]?["annotations"]?[Annotation]?.GetValue<string>() == stamped["metadata"]!["annotations"]![Annotation]!.GetValue<string>()
        && IsSubset(stamped, live);

    /// <summary>
    /// Every field of <paramref name="desired"/> is in <paramref name="live"/> with the same value (lists compared whole).
    /// Quantities compare by value: KubeVirt's VM mutator and the API server store them canonical (8192Mi as 8Gi). A long
    /// string a controller's cache keeps as its digest (<see cref="CacheTransform"/>) compares by the digest.
    /// </summary>
    public static bool IsSubset(JsonNode? desired, JsonNode? live) => (desired, live) switch
    {
        (JsonObject d, JsonObject l) => d.All(kv => l.TryGetPropertyValue(kv.Key, out var lv) && IsSubset(kv.Value, lv)),
        (JsonArray d, JsonArray l) => d.Count == l.Count && d.Zip(l).All(p => IsSubset(p.First, p.Second)),
        (JsonValue d, JsonValue l) when d.TryGetValue<string>(out var ds) && l.TryGetValue<string>(out var ls) && ds != ls =>
            CacheTransform.IsDigestOf(ls, ds) ||
            Kubernetes.Quantities.TryParse(ds) is { } dq && Kubernetes.Quantities.TryParse(ls) is { } lq && dq == lq,
        _ => JsonNode.DeepEquals(desired, live),
    };

    /// <summary>
    /// The leaf paths under <paramref name="root"/> (e.g. "spec") that <paramref name="manager"/> owns in the live
    /// object's managedFields (fieldsV1: {"f:spec":{"f:storage":{"f:storageClassName":{}}}}); a keyed list item
    /// ("k:..." / "v:...") ends a path.
    /// </summary>
    public static IReadOnlyList<string[]> OwnedPaths(JsonObject live, string manager, string root)
    {
        var paths = new List<string[]>();
        foreach (var entry in live["metadata"]?["managedFields"]?.AsArray() ?? [])
        {
            if (entry?["manager"]?.GetValue<string>() == manager && entry["fieldsV1"]?["f:" + root] is JsonObject tree)
            {
                Collect(tree, [root], paths);
            }
        }

        return paths;

        static void Collect(JsonObject node, List<string> path, List<string[]> into)
        {
            var fields = node.Where(kv => kv.Key.StartsWith("f:", StringComparison.Ordinal)).ToList();
            if (fields.Count == 0)
            {
                into.Add([.. path]);
                return;
            }

            foreach (var (key, child) in fields)
            {
                path.Add(key[2..]);
                Collect(child as JsonObject ?? [], path, into);
                path.RemoveAt(path.Count - 1);
            }
        }
    }

    /// <summary>Whether <paramref name="obj"/> has a value at <paramref name="path"/>.</summary>
    public static bool Has(JsonObject obj, IReadOnlyList<string> path)
    {
        JsonNode? node = obj;
        foreach (var segment in path)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(segment, out node) || node is null)
            {
                return false;
            }
        }

        return true;
    }
}
