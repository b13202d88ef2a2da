using System.Globalization;
using System.Text.Json.Nodes;
using Cel;
using NJsonSchema;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// A resource served from a CustomResourceDefinition, as the apiextensions server serves one
/// (kubernetes/apiextensions-apiserver v0.36.3; https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/):
/// the served, stored version's openAPIV3Schema validates every write (unknown fields pruned, or refused with
/// fieldValidation=Strict), its <c>x-kubernetes-validations</c> CEL rules run on every node they sit on
/// (pkg/apiserver/schema/cel/validation.go), <c>subresources.status</c> splits status from spec, and its
/// additionalPrinterColumns answer kubectl's Table requests. CEL is evaluated by the Cel package (a C# implementation of
/// cel-spec), not by cel-go with Kubernetes' libraries: rules using Kubernetes' own functions (isURL, quantity, ...) are not
/// modelled, and no cost budget is estimated.
/// </summary>
public sealed class CustomResource
{
    private static readonly CelEnvironment Cel = new(null, null);

    private readonly Lazy<JsonSchema> _jsonSchema;

    private CustomResource(ResourceType type, JsonObject schema, IReadOnlyList<string> shortNames, IReadOnlyList<string> categories, JsonArray columns)
    {
        Type = type;
        Schema = schema;
        ShortNames = shortNames;
        Categories = categories;
        PrinterColumns = columns;
        _jsonSchema = new Lazy<JsonSchema>(() => JsonSchema.FromJsonAsync(Strict(schema).ToJsonString()).GetAwaiter().GetResult());
    }

    public ResourceType Type { get; }

    /// <summary>The openAPIV3Schema of the stored version.</summary>
    public JsonObject Schema { get; }

    public IReadOnlyList<string> ShortNames { get; }

    public IReadOnlyList<string> Categories { get; }

    public JsonArray PrinterColumns { get; }

    /// <summary>The resource a CRD defines: its storage version (the one this server serves).</summary>
    public static CustomResource FromCrd(JsonObject crd)
    {
        var spec = crd["spec"]!;
        var names = spec["names"]!;
        var version = spec["versions"]!.AsArray().First(v => v!["storage"]?.GetValue<bool>() == true)!;
        var type = new ResourceType(
            spec["group"]!.GetValue<string>(),
            version["name"]!.GetValue<string>(),
            names["plural"]!.GetValue<string>(),
            names["kind"]!.GetValue<string>(),
            spec["scope"]?.GetValue<string>() != "Cluster",
            version["subresources"]?["status"] is not null);
        static IReadOnlyList<string> Strings(JsonNode? n) => n?.AsArray().Select(v => v!.GetValue<string>()).ToList() ?? [];
        return new CustomResource(type, version["schema"]!["openAPIV3Schema"]!.DeepClone().AsObject(), Strings(names["shortNames"]), Strings(names["categories"]),
            version["additionalPrinterColumns"]?.DeepClone().AsArray() ?? []);
    }

    /// <summary>Every schema violation, as "path: kind" (unknown fields as NoAdditionalPropertiesAllowed, for the caller's fieldValidation).</summary>
    public IReadOnlyList<string> SchemaErrors(JsonObject obj)
    {
        var lines = new List<string>();
        SchemaValidator.Flatten(_jsonSchema.Value.Validate(obj.ToJsonString()), lines);
        return lines;
    }

    /// <summary>Every CEL rule that does not hold, as the API server words it: (reason, message, field).</summary>
    public IReadOnlyList<(string Reason, string Message, string Field)> RuleErrors(JsonObject obj)
    {
        var errors = new List<(string, string, string)>();
        Rules(Schema, obj, "", errors);
        return errors;
    }

    // The openAPIV3Schema as a strict JSON Schema: an object that lists its properties refuses others (so an unknown
    // field is found, and then pruned or refused as fieldValidation says); Kubernetes' extensions are not JSON Schema.
    private static JsonObject Strict(JsonObject node)
    {
        var result = new JsonObject();
        foreach (var (key, value) in node)
        {
            if (key.StartsWith("x-kubernetes-", StringComparison.Ordinal) || key == "nullable")
            {
                continue;
            }

            result[key] = key switch
            {
                "properties" => new JsonObject(value!.AsObject().Select(p => KeyValuePair.Create(p.Key, (JsonNode?)Strict(p.Value!.AsObject())))),
                "items" or "additionalProperties" or "not" when value is JsonObject o => Strict(o),
                "allOf" or "anyOf" or "oneOf" => new JsonArray([.. value!.AsArray().Select(v => (JsonNode)Strict(v!.AsObject()))]),
                _ => value?.DeepClone(),
            };
        }

        if (node["nullable"]?.GetValue<bool>() == true && result["type"] is JsonValue t)
        {
            result["type"] = new JsonArray(t.GetValue<string>(), "null");
        }

        if (node["properties"] is not null && node["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() != true)
        {
            result["additionalProperties"] = false;
        }

        return result;
    }

    private static void Rules(JsonObject schema, JsonNode? value, string path, List<(string, string, string)> errors)
    {
        if (value is null)
        {
            return;
        }

        foreach (var rule in schema["x-kubernetes-validations"]?.AsArray() ?? [])
        {
            var expression = rule!["rule"]!.GetValue<string>();
            var message = rule["message"]?.GetValue<string>() ?? $"failed rule: {expression}";
            var field = path + (rule["fieldPath"]?.GetValue<string>() ?? "");
            bool holds;
            try
            {
                holds = Cel.Program(PresenceAsMembership(expression), new Dictionary<string, object?> { ["self"] = ToCel(value) }) is true;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                errors.Add(("FieldValueInvalid", $"Invalid value: \"object\": {message}: evaluation error: {ex.Message}", field.TrimStart('.')));
                continue;
            }

            if (!holds)
            {
                // apiextensions-apiserver pkg/apiserver/schema/cel/validation.go: field.Invalid(path, type, message) unless
                // the rule names another reason (Forbidden, Required, Duplicate).
                var reason = rule["reason"]?.GetValue<string>() ?? "FieldValueInvalid";
                var text = reason switch
                {
                    "FieldValueForbidden" => $"Forbidden: {message}",
                    "FieldValueRequired" => $"Required value: {message}",
                    "FieldValueDuplicate" => $"Duplicate value: {message}",
                    _ => $"Invalid value: \"{JsonType(value)}\": {message}",
                };
                errors.Add((reason, text, field.TrimStart('.')));
            }
        }

        switch (value)
        {
            case JsonObject o when schema["properties"] is JsonObject properties:
                foreach (var (name, sub) in properties)
                {
                    Rules(sub!.AsObject(), o[name], $"{path}.{name}", errors);
                }

                break;
            case JsonObject o when schema["additionalProperties"] is JsonObject map:
                foreach (var (key, sub) in o)
                {
                    Rules(map, sub, $"{path}[{key}]", errors);
                }

                break;
            case JsonArray a when schema["items"] is JsonObject items:
                for (var i = 0; i < a.Count; i++)
                {
                    Rules(items, a[i], $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]", errors);
                }

                break;
        }
    }

    private static string JsonType(JsonNode value) => value switch
    {
        JsonObject => "object",
        JsonArray => "array",
        _ => value.GetValueKind().ToString().ToLowerInvariant(),
    };

    // cel-spec's has(e.f) tests whether the field (or the map's key) f is present (google/cel-spec doc/langdef.md,
    // "Macros"), so cel-go, and with it the API server, answers true for `entra: {}`; the Cel package answers false for a
    // present empty map (seen here: has(self.entra) with entra = {} is false, with entra = {a: 1} true). The double
    // asks it as key membership instead, which is what has() means for the maps objects are here.
    private static string PresenceAsMembership(string expression) =>
        System.Text.RegularExpressions.Regex.Replace(expression, @"has\((self(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\.([A-Za-z_][A-Za-z0-9_]*)\)", "('$2' in $1)");

    private static object? ToCel(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => ToCel(p.Value), StringComparer.Ordinal),
        JsonArray a => a.Select(ToCel).ToList(),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when long.TryParse(v.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        _ => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture),
    };
}
