using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// Field paths as server-side apply tracks them
/// (https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management). A path ends at a scalar, an
/// empty object, or a list: lists are atomic here, which is what SSA does for every list in KubeVirt's and CDI's CRDs
/// (no x-kubernetes-list-type). Core types' keyed lists (Service ports) are also treated as atomic: stricter than a
/// real cluster, never looser.
/// </summary>
public static class FieldSet
{
    private const char Separator = '\u001f';

    public static HashSet<string> Of(JsonObject obj, bool hasStatus)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind" || (key == "status" && hasStatus))
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject metadata)
            {
                foreach (var (metaKey, metaValue) in metadata)
                {
                    if (metaKey is "labels" or "annotations" or "finalizers" or "ownerReferences")
                    {
                        Collect(metaValue, ["metadata", metaKey], set);
                    }
                }

                continue;
            }

            Collect(value, [key], set);
        }

        return set;
    }

    private static void Collect(JsonNode? node, List<string> path, HashSet<string> set)
    {
        if (node is JsonObject { Count: > 0 } obj)
        {
            foreach (var (key, value) in obj)
            {
                path.Add(key);
                Collect(value, path, set);
                path.RemoveAt(path.Count - 1);
            }

            return;
        }

        set.Add(string.Join(Separator, path));
    }

    public static string[] Segments(string path) => path.Split(Separator);

    /// <summary>The path as kubectl prints it in a conflict: .spec.template.spec.</summary>
    public static string Display(string path) => "." + path.Replace(Separator, '.');

    public static bool Overlaps(string a, string b) =>
        a == b || a.StartsWith(b + Separator, StringComparison.Ordinal) || b.StartsWith(a + Separator, StringComparison.Ordinal);

    public static JsonNode? ValueAt(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var segment in Segments(path))
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(segment, out node))
            {
                return null;
            }
        }

        return node;
    }

    public static void Remove(JsonObject obj, string path)
    {
        var segments = Segments(path);
        JsonNode? node = obj;
        for (var i = 0; i < segments.Length - 1; i++)
        {
            if (node is not JsonObject o || !o.TryGetPropertyValue(segments[i], out node))
            {
                return;
            }
        }

        (node as JsonObject)?.Remove(segments[^1]);
    }

    /// <summary>Merges an applied configuration into an object: maps merge key by key, everything else is replaced.</summary>
    public static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            if (value is JsonObject { Count: > 0 } sourceChild && target[key] is JsonObject targetChild)
            {
                Merge(targetChild, sourceChild);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    /// <summary>The managedFields fieldsV1 tree ({"f:spec":{"f:runStrategy":{}}}) for a set of paths.</summary>
    public static JsonObject ToFieldsV1(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            var node = root;
            foreach (var segment in Segments(path))
            {
                var key = "f:" + segment;
                if (node[key] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[key] = child;
                }

                node = child;
            }
        }

        return root;
    }
}
