using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Cluster;

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

    /// <summary>Every field of <paramref name="desired"/> is in <paramref name="live"/> with the same value (lists compared whole).</summary>
    public static bool IsSubset(JsonNode? desired, JsonNode? live) => (desired, live) switch
    {
        (JsonObject d, JsonObject l) => d.All(kv => l.TryGetPropertyValue(kv.Key, out var lv) && IsSubset(kv.Value, lv)),
        (JsonArray d, JsonArray l) => d.Count == l.Count && d.Zip(l).All(p => IsSubset(p.First, p.Second)),
        _ => JsonNode.DeepEquals(desired, live),
    };
}
