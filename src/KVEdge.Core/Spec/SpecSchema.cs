using System.Text.Json.Nodes;

namespace KVEdge.Core.Spec;

/// <summary>
/// A JSON Schema of the spec, derived from the same types the strict binder reads, so the Helm chart's
/// values.schema.json (and a future CRD) cannot drift from what kvedge accepts. Kubernetes types (tolerations,
/// affinity) are left open: the API server's own schema checks them.
/// </summary>
public static class SpecSchema
{
    public static JsonObject For(Type type) => Object(type, new HashSet<Type>());

    /// <summary>The schema of <paramref name="type"/> with the validator's field rules (<see cref="SpecConstraints"/>) applied.</summary>
    public static JsonObject For(Type type, IReadOnlyDictionary<string, JsonObject> constraints)
    {
        var schema = For(type);
        foreach (var (path, constraint) in constraints.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Constrain(At(schema, path), constraint);
        }

        return schema;
    }

    /// <summary>The schema node of a field path ("a.b", "a[]" for list items, "a{}" for map values).</summary>
    private static JsonObject At(JsonObject schema, string path)
    {
        var node = schema;
        foreach (var segment in path.Split('.'))
        {
            var name = segment.TrimEnd('[', ']', '{', '}');
            node = node["properties"]?[name] as JsonObject
                ?? throw new InvalidOperationException($"constraint path {path}: no field {name}");
            if (segment.EndsWith("[]", StringComparison.Ordinal))
            {
                node = node["items"] as JsonObject ?? throw new InvalidOperationException($"constraint path {path}: {name} is not a list");
            }
            else if (segment.EndsWith("{}", StringComparison.Ordinal))
            {
                node = node["additionalProperties"] as JsonObject ?? throw new InvalidOperationException($"constraint path {path}: {name} is not a map");
            }
        }

        return node;
    }

    private static void Constrain(JsonObject node, JsonObject constraint)
    {
        var nullable = node["type"] is JsonArray types && types.Any(t => (string?)t == "null");
        foreach (var (key, value) in constraint)
        {
            var copy = value!.DeepClone();
            if (key == "properties" && node["properties"] is JsonObject existing)
            {
                foreach (var (name, sub) in copy.AsObject().ToList())
                {
                    copy.AsObject().Remove(name);
                    if (existing[name] is JsonObject target)
                    {
                        Constrain(target, sub!.AsObject());
                    }
                    else
                    {
                        existing[name] = sub;
                    }
                }

                continue;
            }

            // A nullable field's enum keeps null allowed: values.yaml leaves optional fields null.
            if (key == "enum" && nullable && !copy.AsArray().Any(v => v is null))
            {
                copy.AsArray().Add(null);
            }

            node[key] = copy;
        }
    }

    private static JsonObject Object(Type type, HashSet<Type> seen)
    {
        var properties = new JsonObject();
        foreach (var (name, field) in SpecFields.Of(type).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (field.Ignored)
            {
                continue;
            }

            properties[name] = Schema(field.Property.PropertyType, seen);
        }

        return new JsonObject { ["type"] = "object", ["additionalProperties"] = false, ["properties"] = properties };
    }

    private static JsonObject Schema(Type type, HashSet<Type> seen)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        var nullable = !t.IsValueType || Nullable.GetUnderlyingType(type) is not null;
        JsonObject schema;
        if (t == typeof(string))
        {
            schema = Typed("string");
        }
        else if (t == typeof(int) || t == typeof(long))
        {
            schema = Typed("integer");
        }
        else if (t == typeof(bool))
        {
            schema = Typed("boolean");
        }
        else if (t.IsGenericType && t.GetGenericTypeDefinition() is var g && (g == typeof(IDictionary<,>) || g == typeof(SortedDictionary<,>)))
        {
            schema = new JsonObject { ["type"] = "object", ["additionalProperties"] = Schema(t.GetGenericArguments()[1], seen) };
        }
        else if (t.IsGenericType && t.GetGenericTypeDefinition() is var l && (l == typeof(IList<>) || l == typeof(List<>)))
        {
            schema = new JsonObject { ["type"] = "array", ["items"] = Schema(t.GetGenericArguments()[0], seen) };
        }
        else if (t.Namespace == typeof(Spec.EdgeDevice).Namespace && seen.Add(t))
        {
            schema = Object(t, seen);
            seen.Remove(t);
        }
        else
        {
            schema = Typed("object");
        }

        if (nullable && schema["type"] is JsonValue v)
        {
            schema["type"] = new JsonArray(v.GetValue<string>(), "null");
        }

        return schema;
    }

    private static JsonObject Typed(string type) => new() { ["type"] = type };
}
