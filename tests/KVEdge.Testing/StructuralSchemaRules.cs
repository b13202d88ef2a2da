using System.Text.Json.Nodes;

namespace KVEdge.Testing;

/// <summary>
/// What the API server requires of a v1 CRD's schema before it serves it, checked here because no apiextensions server
/// runs in this repository: the rules of kubernetes/apiextensions-apiserver v0.36.3 pkg/apiserver/schema/validation.go
/// (ValidateStructural: a type on every node; value validations only inside allOf/anyOf/oneOf/not, with every property
/// they name declared outside; metadata restricted to name and generateName) and of
/// pkg/apis/apiextensions/validation/validation.go (no additionalProperties: false, not both properties and
/// additionalProperties, no uniqueItems, list-type map keys required or defaulted, CEL rules with a rule, a one-line
/// message, a known reason). Every key of every node must be a field of JSONSchemaProps as the Kubernetes 1.35 OpenAPI
/// publishes it (../shared/schemas/kubernetes-v1.35), so a draft-07 keyword (const, if, propertyNames, $comment) cannot
/// slip in. What this cannot check: CEL compilation and its cost budget (cel-go with Kubernetes' libraries).
/// </summary>
public static class StructuralSchemaRules
{
    private static readonly Lazy<HashSet<string>> SchemaPropsFields = new(() =>
    {
        var openApi = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Shared, "schemas", "kubernetes-v1.35", "apis__apiextensions.k8s.io_v1_openapi.json")))!;
        var props = openApi["components"]!["schemas"]!["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"]!["properties"]!.AsObject();
        return props.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
    });

    private static readonly HashSet<string> NotInJunctors = new(StringComparer.Ordinal)
    {
        "type", "description", "default", "nullable", "additionalProperties", "additionalItems", "title", "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type", "x-kubernetes-validations",
    };

    /// <summary>Every rule a CRD's openAPIV3Schema breaks, as "path: rule"; empty when the API server would take it.</summary>
    public static IReadOnlyList<string> Check(JsonObject openApiV3Schema)
    {
        var errors = new List<string>();
        Node(openApiV3Schema, "", errors, root: true);
        if (openApiV3Schema["properties"]?["metadata"] is JsonObject metadata && metadata["properties"] is JsonObject metaProps
            && metaProps.Any(p => p.Key is not ("name" or "generateName")))
        {
            errors.Add("metadata: only name and generateName may be given a schema");
        }

        return errors;
    }

    private static void Node(JsonObject node, string path, List<string> errors, bool root = false)
    {
        Keys(node, path, errors);
        var open = node["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true || node["x-kubernetes-int-or-string"]?.GetValue<bool>() == true;
        if (node["type"] is null && !open)
        {
            errors.Add($"{Where(path)}: type: Required value: must not be empty for specified object fields");
        }

        if (root && node["type"]?.GetValue<string>() != "object")
        {
            errors.Add("the root: type must be object");
        }

        if (node["additionalProperties"] is JsonValue { } ap && ap.GetValueKind() == System.Text.Json.JsonValueKind.False)
        {
            errors.Add($"{Where(path)}: additionalProperties: Forbidden: must not be false (unknown fields are pruned)");
        }

        if (node["additionalProperties"] is not null && node["properties"] is not null)
        {
            errors.Add($"{Where(path)}: additionalProperties and properties are mutually exclusive");
        }

        if (node["uniqueItems"]?.GetValue<bool>() == true)
        {
            errors.Add($"{Where(path)}: uniqueItems: Forbidden: uniqueItems cannot be set to true");
        }

        if (node["type"]?.GetValue<string>() == "array" && node["items"] is null)
        {
            errors.Add($"{Where(path)}: items: Required value: must be specified");
        }

        if (node["x-kubernetes-list-type"]?.GetValue<string>() == "map")
        {
            var keys = node["x-kubernetes-list-map-keys"]?.AsArray().Select(k => k!.GetValue<string>()).ToList() ?? [];
            var required = node["items"]?["required"]?.AsArray().Select(k => k!.GetValue<string>()).ToHashSet(StringComparer.Ordinal) ?? [];
            if (keys.Count == 0)
            {
                errors.Add($"{Where(path)}: x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map");
            }

            foreach (var key in keys.Where(k => !required.Contains(k) && node["items"]?["properties"]?[k]?["default"] is null))
            {
                errors.Add($"{Where(path)}: x-kubernetes-list-map-keys: {key} must be required or have a default");
            }
        }

        foreach (var rule in node["x-kubernetes-validations"]?.AsArray() ?? [])
        {
            var text = rule?["rule"]?.GetValue<string>();
            if (string.IsNullOrWhiteSpace(text))
            {
                errors.Add($"{Where(path)}: x-kubernetes-validations: rule: Required value");
            }

            if (rule?["message"]?.GetValue<string>() is { } message && (message.Contains('\n', StringComparison.Ordinal) || message.Trim().Length == 0))
            {
                errors.Add($"{Where(path)}: x-kubernetes-validations: message must be non-empty and on one line");
            }

            if (rule?["reason"]?.GetValue<string>() is { } reason && reason is not ("FieldValueInvalid" or "FieldValueForbidden" or "FieldValueRequired" or "FieldValueDuplicate"))
            {
                errors.Add($"{Where(path)}: x-kubernetes-validations: reason {reason} is not one of FieldValueInvalid, FieldValueForbidden, FieldValueRequired, FieldValueDuplicate");
            }

            if (rule?["fieldPath"]?.GetValue<string>() is { } fieldPath && !FieldPathExists(node, fieldPath))
            {
                errors.Add($"{Where(path)}: x-kubernetes-validations: fieldPath {fieldPath} does not name a field of this schema");
            }
        }

        foreach (var (name, sub) in node["properties"]?.AsObject() ?? [])
        {
            Node(sub!.AsObject(), Join(path, name), errors);
        }

        if (node["items"] is JsonObject items)
        {
            Node(items, path + "[]", errors);
        }

        if (node["additionalProperties"] is JsonObject values)
        {
            Node(values, path + "{}", errors);
        }

        foreach (var junctor in new[] { "allOf", "anyOf", "oneOf" })
        {
            foreach (var part in node[junctor]?.AsArray() ?? [])
            {
                Junctor(part!.AsObject(), node, $"{Where(path)}.{junctor}", errors);
            }
        }

        if (node["not"] is JsonObject negated)
        {
            Junctor(negated, node, $"{Where(path)}.not", errors);
        }
    }

    // Inside a junctor: value validations only, and only properties the node declares outside it.
    private static void Junctor(JsonObject part, JsonObject outside, string path, List<string> errors)
    {
        Keys(part, path, errors);
        foreach (var key in part.Select(p => p.Key).Where(NotInJunctors.Contains))
        {
            errors.Add($"{path}: {key}: Forbidden: must not be used inside not, allOf, anyOf or oneOf");
        }

        foreach (var (name, sub) in part["properties"]?.AsObject() ?? [])
        {
            if (outside["properties"]?[name] is not JsonObject declared)
            {
                errors.Add($"{path}.properties[{name}]: Required value: must be declared outside the junctor too");
                continue;
            }

            Junctor(sub!.AsObject(), declared, $"{path}.{name}", errors);
        }

        if (part["items"] is JsonObject items)
        {
            Junctor(items, outside["items"] as JsonObject ?? [], path + "[]", errors);
        }

        foreach (var junctor in new[] { "allOf", "anyOf", "oneOf" })
        {
            foreach (var inner in part[junctor]?.AsArray() ?? [])
            {
                Junctor(inner!.AsObject(), outside, $"{path}.{junctor}", errors);
            }
        }

        if (part["not"] is JsonObject negated)
        {
            Junctor(negated, outside, $"{path}.not", errors);
        }
    }

    private static void Keys(JsonObject node, string path, List<string> errors)
    {
        foreach (var key in node.Select(p => p.Key).Where(k => !SchemaPropsFields.Value.Contains(k)))
        {
            errors.Add($"{Where(path)}: {key}: not a field of JSONSchemaProps (apiextensions.k8s.io/v1)");
        }
    }

    // fieldPath: a JSONPath of declared fields from the rule's node (".a.b"; a map key as ['k']).
    private static bool FieldPathExists(JsonObject node, string fieldPath)
    {
        JsonObject? current = node;
        foreach (var segment in fieldPath.TrimStart('.').Split('.'))
        {
            current = current?["properties"]?[segment] as JsonObject;
        }

        return current is not null;
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Where(string path) => path.Length == 0 ? "the root" : path;
}
