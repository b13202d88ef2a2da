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
/// Not modelled: the real server strips apiVersion, kind, name and namespace from field sets; here only metadata's
/// labels, annotations, finalizers and ownerReferences are tracked.
/// </summary>
public static class FieldSet
{
    private const char Separator = '\u001f';

    private static readonly ConcurrentDictionary<ResourceType, JsonObject?> Schemas = new();

    private static JsonObject? SchemaOf(ResourceType type) =>
        Schemas.GetOrAdd(type, t =>
        {
            var path = SchemaValidator.SchemaPath(t.ApiVersion, t.Kind);
            return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject : null;
        });

    private enum Kind
    {
        Scalar,
        Map,
        AtomicMap,
        AtomicList,
        SetList,
        MapList,
    }

    private static Kind KindOf(JsonObject? schema, JsonNode? value)
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

    private static JsonObject? Field(JsonObject? schema, string name) =>
        schema?["properties"]?[name] as JsonObject ?? schema?["additionalProperties"] as JsonObject;

    private static bool IsDeclared(JsonObject? schema, string name) => schema?["properties"]?[name] is not null;

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

    private static string Join(IEnumerable<string> segments) => string.Join(Separator, segments);

    public static string[] Segments(string path) => path.Split(Separator);

    /// <summary>The path as kubectl prints it in a conflict: .spec.ports[port=22,protocol="TCP"].name.</summary>
    public static string Display(string path) => string.Concat(Segments(path).Select(s => s[..2] switch
    {
        "f:" => "." + s[2..],
        "k:" => "[" + string.Join(",", JsonNode.Parse(s[2..])!.AsObject().Select(kv => $"{kv.Key}={kv.Value!.ToJsonString()}")) + "]",
        _ => "[=" + s[2..] + "]",
    }));

    public static bool Overlaps(string a, string b) =>
        a == b || a.StartsWith(b + Separator, StringComparison.Ordinal) || b.StartsWith(a + Separator, StringComparison.Ordinal);

    public static JsonNode? ValueAt(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var segment in Segments(path))
        {
            node = Step(node, segment);
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    private static JsonNode? Step(JsonNode? node, string segment) => segment[..2] switch
    {
        "f:" => node is JsonObject o && o.TryGetPropertyValue(segment[2..], out var child) ? child : null,
        "k:" => (node as JsonArray)?.OfType<JsonObject>().FirstOrDefault(i => Matches(i, segment)),
        _ => (node as JsonArray)?.FirstOrDefault(i => Json(i) == segment[2..]),
    };

    private static bool Matches(JsonObject item, string keySegment) =>
        JsonNode.Parse(keySegment[2..])!.AsObject().All(kv => JsonNode.DeepEquals(item[kv.Key], kv.Value));

    /// <summary>Removes the field (or list item) at <paramref name="path"/>, and any map left empty by it (prune).</summary>
    public static void Remove(JsonObject obj, string path)
    {
        var segments = Segments(path);
        var chain = new List<JsonNode> { obj };
        for (var i = 0; i < segments.Length - 1; i++)
        {
            if (Step(chain[^1], segments[i]) is not { } next)
            {
                return;
            }

            chain.Add(next);
        }

        var last = segments[^1];
        switch (chain[^1])
        {
            case JsonObject o when last.StartsWith("f:", StringComparison.Ordinal):
                o.Remove(last[2..]);
                break;
            case JsonArray a when Step(a, last) is { } item:
                a.Remove(item);
                break;
            default:
                return;
        }

        // structured-merge-diff removes a map that pruning emptied (no "{}" is left behind); never the object itself.
        for (var i = chain.Count - 1; i >= 1; i--)
        {
            if (chain[i] is JsonObject { Count: 0 } && chain[i - 1] is JsonObject parent && segments[i - 1].StartsWith("f:", StringComparison.Ordinal) && i - 1 > 0)
            {
                parent.Remove(segments[i - 1][2..]);
            }
            else
            {
                break;
            }
        }
    }

    /// <summary>Merges an applied configuration into an object as its schema says: maps key by key, keyed lists item by
    /// item, sets as a union; atomic maps and lists, and scalars, are replaced.</summary>
    public static void Merge(JsonObject target, JsonObject source, ResourceType type) => MergeMap(target, source, SchemaOf(type));

    private static void MergeMap(JsonObject target, JsonObject source, JsonObject? schema)
    {
        foreach (var (key, value) in source)
        {
            var childSchema = Field(schema, key);
            var kind = KindOf(childSchema, value);
            if (kind == Kind.Map && value is JsonObject { Count: > 0 } sourceChild && target[key] is JsonObject targetChild)
            {
                MergeMap(targetChild, sourceChild, childSchema);
            }
            else if (kind == Kind.MapList && value is JsonArray items && target[key] is JsonArray live)
            {
                var keys = childSchema!["x-kubernetes-list-map-keys"]!.AsArray().Select(k => k!.GetValue<string>()).ToList();
                foreach (var item in items.OfType<JsonObject>())
                {
                    var segment = KeyOf(item, keys);
                    if (live.OfType<JsonObject>().FirstOrDefault(i => Matches(i, segment)) is { } existing)
                    {
                        MergeMap(existing, item, childSchema["items"] as JsonObject);
                    }
                    else
                    {
                        live.Add(item.DeepClone());
                    }
                }
            }
            else if (kind == Kind.SetList && value is JsonArray members && target[key] is JsonArray current)
            {
                foreach (var member in members.Where(m => !current.Any(c => JsonNode.DeepEquals(c, m))).ToList())
                {
                    current.Add(member?.DeepClone());
                }
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

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
