using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using NJsonSchema;
using NJsonSchema.Validation;

namespace KVEdge.Testing;

/// <summary>
/// Validates objects against the strict JSON Schemas in shared/schemas/jsonschema (KubeVirt v1.9.0, CDI v1.66.0,
/// Kubernetes 1.35): every object that lists properties rejects unknown ones, as the API server's strict field validation does.
/// </summary>
public static class SchemaValidator
{
    private static readonly ConcurrentDictionary<string, Lazy<JsonSchema>> Cache = new();

    public static string SchemaPath(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return Path.Combine(RepoPaths.Schemas, "kubernetes", "v1.35-standalone-strict", $"{kind.ToLowerInvariant()}-{apiVersion}.json");
        }

        var group = apiVersion[..slash];
        var version = apiVersion[(slash + 1)..];
        // Built-in groups (apps, discovery.k8s.io, ...) sit beside the core types as KIND-FIRSTLABEL-VERSION.json
        // (shared/schemas/SOURCES.md); CRDs' groups have a folder each.
        if (!group.Contains('.', StringComparison.Ordinal) || group.EndsWith(".k8s.io", StringComparison.Ordinal))
        {
            return Path.Combine(RepoPaths.Schemas, "kubernetes", "v1.35-standalone-strict", $"{kind.ToLowerInvariant()}-{group.Split('.')[0]}-{version}.json");
        }

        return Path.Combine(RepoPaths.Schemas, group, $"{kind.ToLowerInvariant()}_{version}.json");
    }

    /// <summary>Every violation, flattened to "path: kind" lines; empty when the object is valid.</summary>
    public static IReadOnlyList<string> Validate(JsonObject obj)
    {
        var apiVersion = obj["apiVersion"]?.GetValue<string>() ?? throw new ArgumentException("object has no apiVersion");
        var kind = obj["kind"]?.GetValue<string>() ?? throw new ArgumentException("object has no kind");
        var path = SchemaPath(apiVersion, kind);
        if (!File.Exists(path))
        {
            return [$"no schema for {apiVersion} {kind} at {path}"];
        }

        var schema = Cache.GetOrAdd(path, p => new Lazy<JsonSchema>(() => JsonSchema.FromJsonAsync(WithoutDanglingReferences(File.ReadAllText(p))).GetAwaiter().GetResult())).Value;
        var errors = schema.Validate(obj.ToJsonString());
        var lines = new List<string>();
        Flatten(errors, lines);
        return lines;
    }

    // The CRD schema stops at the recursive JSONSchemaProps and leaves a $ref to apiextensions' JSON type (any JSON value:
    // a default, an example, an enum member) that the file does not define (../shared/schemas/SOURCES.md): such a
    // reference is any value.
    private static string WithoutDanglingReferences(string text)
    {
        if (!text.Contains("\"#/components/schemas/", StringComparison.Ordinal))
        {
            return text;
        }

        var root = JsonNode.Parse(text)!;
        Replace(root);
        return root.ToJsonString();

        static bool Dangling(JsonNode? node) =>
            node is JsonObject { Count: 1 } r && r["$ref"] is JsonValue v && v.GetValue<string>().StartsWith("#/components/", StringComparison.Ordinal);

        static void Replace(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (key, value) in o.ToList())
                    {
                        if (Dangling(value))
                        {
                            o[key] = new JsonObject();
                        }
                        else
                        {
                            Replace(value);
                        }
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        if (Dangling(a[i]))
                        {
                            a[i] = new JsonObject();
                        }
                        else
                        {
                            Replace(a[i]);
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>NJsonSchema's errors, nested ones flattened, as "path: kind (property)" lines.</summary>
    public static void Flatten(IEnumerable<ValidationError> errors, List<string> lines)
    {
        foreach (var e in errors)
        {
            if (e is ChildSchemaValidationError child && child.Errors.Count > 0)
            {
                foreach (var nested in child.Errors.Values)
                {
                    Flatten(nested, lines);
                }

                continue;
            }

            lines.Add($"{e.Path}: {e.Kind}{(e.Property is null ? "" : $" ({e.Property})")}");
        }
    }
}
