using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// Field paths as server-side apply tracks them (https://kubernetes.io/docs/reference/using-api/server-side-apply/;
/// kubernetes-sigs/structured-merge-diff typed/tofieldset.go and merge/update.go), with the object's schema deciding
/// each node's kind, as the API server does: a list is atomic unless its schema says <c>x-kubernetes-list-type: set</c>
/// (items owned one by one, "v:VALUE") or <c>map</c> (items keyed by <c>x-kubernetes-list-map-keys</c>, "k:{...}", their
/// fields owned one by one: Service ports by port and protocol, ownerReferences by uid); a map is granular unless
/// <c>x-kubernetes-map-type: atomic</c> (a Service's selector). A path is its segments in managedFields' own syntax
/// ("f:spec", "k:{\"port\":22,\"protocol\":\"TCP\"}", "v:\"kvedge\"").
/// Only metadata's labels, annotations, finalizers and ownerReferences are tracked (the real server tracks the rest of
/// metadata too, but strips apiVersion, kind, name, namespace, uid, resourceVersion, generation and creationTimestamp,
/// apiserver fieldmanager/internal/stripmeta.go). The merge, prune and ownership rules over these sets are
/// <see cref="StructuredMerge"/>'s.
/// </summary>
public static class FieldSet
{
    public const char Separator = '\u001f';

    private static readonly ConcurrentDictionary<ResourceType, JsonObject?> Schemas = new();

    // A custom resource's metadata is typed as ObjectMeta, as the apiextensions server types it (its published schema
    // says only "type: object"): finalizers a set, ownerReferences keyed by uid.
    /// <summary>A custom resource's schema, from its CRD (the openAPIV3Schema of the served version).</summary>
    internal static void Register(ResourceType type, JsonObject schema)
    {
        var copy = schema.DeepClone().AsObject();
        if (copy["properties"] is JsonObject properties)
        {
            properties["metadata"] = StructuredMergeDiffSchema.ObjectMeta();
        }

        Schemas[type] = copy;
    }

    internal static JsonObject? SchemaOf(ResourceType type) =>
        Schemas.GetOrAdd(type, t =>
        {
            var path = SchemaValidator.SchemaPath(t.ApiVersion, t.Kind);
            if (!File.Exists(path) || JsonNode.Parse(File.ReadAllText(path)) is not JsonObject schema)
            {
                return null;
            }

            if (t.Group.Length > 0 && schema["properties"] is JsonObject properties)
            {
                properties["metadata"] = StructuredMergeDiffSchema.ObjectMeta();
            }

            return schema;
        });

    internal enum Kind
    {
        Scalar,
        Map,
        AtomicMap,
        AtomicList,
        SetList,
        MapList,
    }

    internal static Kind KindOf(JsonObject? schema, JsonNode? value)
    {
        if (schema is null)
        {
            // No schema for this node (preserved unknown fields): deduced from the value, as structured-merge-diff does.
            return value switch { JsonObject => Kind.Map, JsonArray => Kind.AtomicList, _ => Kind.Scalar };
        }

        if (schema["oneOf"] is not null || schema["anyOf"] is not null)
        {
            return Kind.Scalar; // int-or-string, quantities
        }

        var type = schema["type"] is JsonValue t ? t.GetValue<string>() : schema["type"]?.AsArray().Select(x => x?.GetValue<string>()).FirstOrDefault(x => x != "null");
        if (type == "array")
        {
            return schema["x-kubernetes-list-type"]?.GetValue<string>() switch
            {
                "set" => Kind.SetList,
                "map" => Kind.MapList,
                _ => Kind.AtomicList,
            };
        }

        if (type == "object" || schema["properties"] is not null || schema["additionalProperties"] is JsonObject)
        {
            return schema["x-kubernetes-map-type"]?.GetValue<string>() == "atomic" ? Kind.AtomicMap : Kind.Map;
        }

        return Kind.Scalar;
    }

    internal static JsonObject? Field(JsonObject? schema, string name) =>
        schema?["properties"]?[name] as JsonObject ?? schema?["additionalProperties"] as JsonObject;

    internal static bool IsDeclared(JsonObject? schema, string name) => schema?["properties"]?[name] is not null;

    /// <summary>The fields an object sets, as the manager that sent it would own them.</summary>
    public static HashSet<string> Of(JsonObject obj, ResourceType type)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        var schema = SchemaOf(type);
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind" || (key == "status" && type.HasStatus))
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject metadata)
            {
                var metaSchema = Field(schema, "metadata");
                foreach (var (metaKey, metaValue) in metadata)
                {
                    if (metaKey is "labels" or "annotations" or "finalizers" or "ownerReferences")
                    {
                        Collect(metaValue, Field(metaSchema, metaKey), ["f:metadata", "f:" + metaKey], set, declared: true);
                    }
                }

                continue;
            }

            Collect(value, Field(schema, key), ["f:" + key], set, IsDeclared(schema, key));
        }

        return set;
    }

    /// <summary>Only the status of an object (an apply to the status subresource).</summary>
    public static HashSet<string> OfStatus(JsonObject obj, ResourceType type)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (obj["status"] is { } status)
        {
            Collect(status, Field(SchemaOf(type), "status"), ["f:status"], set, declared: true);
        }

        return set;
    }

    private static void Collect(JsonNode? node, JsonObject? schema, List<string> path, HashSet<string> set, bool declared)
    {
        switch (KindOf(schema, node))
        {
            case Kind.Map when node is JsonObject { Count: > 0 } obj:
                // A key the schema does not declare (a label, an annotation) is owned itself as well as what is in it.
                if (!declared)
                {
                    set.Add(Join(path));
                }

                foreach (var (key, value) in obj)
                {
                    path.Add("f:" + key);
                    Collect(value, Field(schema, key), path, set, IsDeclared(schema, key));
                    path.RemoveAt(path.Count - 1);
                }

                break;
            case Kind.SetList when node is JsonArray list:
                foreach (var item in list)
                {
                    set.Add(Join([.. path, "v:" + Json(item)]));
                }

                break;
            case Kind.MapList when node is JsonArray list:
                var keys = schema!["x-kubernetes-list-map-keys"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
                foreach (var item in list.OfType<JsonObject>())
                {
                    path.Add(KeyOf(item, keys));
                    set.Add(Join(path));
                    Collect(item, schema["items"] as JsonObject, path, set, declared: true);
                    path.RemoveAt(path.Count - 1);
                }

                break;
            default:
                // A scalar, an atomic map or list, null, an empty map or list: owned whole.
                set.Add(Join(path));
                break;
        }
    }

    /// <summary>An item's path element in an associative list: "k:{...}" in a map list, "v:VALUE" in a set.</summary>
    internal static string ItemSegment(JsonNode? item, JsonObject listSchema) =>
        listSchema["x-kubernetes-list-type"]?.GetValue<string>() == "map" && item is JsonObject o
            ? KeyOf(o, [.. listSchema["x-kubernetes-list-map-keys"]!.AsArray().Select(k => k!.GetValue<string>())])
            : "v:" + Json(item);

    // structured-merge-diff's key element: the key fields, sorted by name, as compact JSON.
    private static string KeyOf(JsonObject item, IReadOnlyList<string> keys)
    {
        var key = new JsonObject();
        foreach (var k in keys.Order(StringComparer.Ordinal))
        {
            if (item[k] is { } v)
            {
                key[k] = v.DeepClone();
            }
        }

        return "k:" + key.ToJsonString();
    }

    private static string Json(JsonNode? node) => node?.ToJsonString() ?? "null";

    internal static string Join(IEnumerable<string> segments) => string.Join(Separator, segments);

    public static string[] Segments(string path) => path.Split(Separator);

    /// <summary>The path as kubectl prints it in a conflict: .spec.ports[port=22,protocol="TCP"].name.</summary>
    public static string Display(string path) => string.Concat(Segments(path).Select(s => s[..2] switch
    {
        "f:" => "." + s[2..],
        "k:" => "[" + string.Join(",", JsonNode.Parse(s[2..])!.AsObject().Select(kv => $"{kv.Key}={kv.Value!.ToJsonString()}")) + "]",
        _ => "[=" + s[2..] + "]",
    }));

    /// <summary>The managedFields fieldsV1 tree for a set of paths; a path that is owned and has owned children gets ".".</summary>
    public static JsonObject ToFieldsV1(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        var all = paths.ToHashSet(StringComparer.Ordinal);
        foreach (var path in all.Order(StringComparer.Ordinal))
        {
            var node = root;
            foreach (var segment in Segments(path))
            {
                if (node[segment] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[segment] = child;
                }

                node = child;
            }
        }

        foreach (var path in all.Where(p => all.Any(q => q.StartsWith(p + Separator, StringComparison.Ordinal))))
        {
            JsonNode? node = root;
            foreach (var segment in Segments(path))
            {
                node = node![segment];
            }

            node!.AsObject()["."] = new JsonObject();
        }

        return root;
    }
}
