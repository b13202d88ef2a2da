using System.Text.Json.Nodes;

namespace KVEdge.Testing;

/// <summary>
/// Converts a structural JSON schema of ../shared/schemas into structured-merge-diff's own schema format
/// (sigs.k8s.io/structured-merge-diff/v4/schema/elements.go; written as JSON, which its YAML parser reads) the way the
/// API server builds its type converter (k8s.io/kube-openapi/pkg/schemaconv/smd.go; for custom resources
/// k8s.io/apiextensions-apiserver/pkg/controller/openapi/builder): a list is atomic unless
/// <c>x-kubernetes-list-type</c> says <c>map</c> (associative, keyed by <c>x-kubernetes-list-map-keys</c>) or <c>set</c>;
/// a map is separable unless <c>x-kubernetes-map-type: atomic</c>; int-or-string and quantities (oneOf/anyOf) are
/// untyped atomic scalars; <c>x-kubernetes-preserve-unknown-fields</c> is "deduced" (shape taken from the value). A custom
/// resource's <c>metadata</c> is typed as ObjectMeta (finalizers a set, ownerReferences keyed by uid), as the
/// apiextensions server types it, taken here from a core type's schema.
/// </summary>
public static class StructuredMergeDiffSchema
{
    public const string RootType = "root";

    private const string UntypedAtomic = "__untyped_atomic_";
    private const string UntypedDeduced = "__untyped_deduced_";

    public static string For(string apiVersion, string kind)
    {
        var schema = Load(SchemaValidator.SchemaPath(apiVersion, kind));
        if (apiVersion.Contains('/', StringComparison.Ordinal))
        {
            schema["properties"]!["metadata"] = ObjectMeta();
        }

        var types = new JsonArray
        {
            Named(RootType, Atom(schema)),
            // kube-openapi's untypedDef and deducedDef (schemaconv/smd.go).
            Named(UntypedAtomic, new JsonObject
            {
                ["scalar"] = "untyped",
                ["list"] = new JsonObject { ["elementType"] = Ref(UntypedAtomic), ["elementRelationship"] = "atomic" },
                ["map"] = new JsonObject { ["elementType"] = Ref(UntypedAtomic), ["elementRelationship"] = "atomic" },
            }),
            Named(UntypedDeduced, new JsonObject
            {
                ["scalar"] = "untyped",
                ["list"] = new JsonObject { ["elementType"] = Ref(UntypedAtomic), ["elementRelationship"] = "atomic" },
                ["map"] = new JsonObject { ["elementType"] = Ref(UntypedDeduced), ["elementRelationship"] = "separable" },
            }),
        };
        return new JsonObject { ["types"] = types }.ToJsonString();
    }

    /// <summary>ObjectMeta as the built-in types publish it (every core type carries the same one).</summary>
    public static JsonObject ObjectMeta() =>
        Load(SchemaValidator.SchemaPath("v1", "ConfigMap"))["properties"]!["metadata"]!.DeepClone().AsObject();

    private static JsonObject Load(string path) => JsonNode.Parse(File.ReadAllText(path))!.AsObject();

    private static JsonObject Named(string name, JsonObject atom)
    {
        atom["name"] = name;
        return atom;
    }

    private static JsonObject Ref(string name) => new() { ["namedType"] = name };

    private static JsonObject TypeRef(JsonObject schema)
    {
        if (schema["oneOf"] is not null || schema["anyOf"] is not null || schema["x-kubernetes-int-or-string"] is not null)
        {
            return Ref(UntypedAtomic);
        }

        if (schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true && schema["properties"] is null)
        {
            return Ref(UntypedDeduced);
        }

        return Type(schema) is null ? Ref(UntypedDeduced) : Atom(schema);
    }

    private static string? Type(JsonObject schema) => schema["type"] switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonArray a => a.Select(x => x?.GetValue<string>()).FirstOrDefault(x => x != "null"),
        _ => schema["properties"] is not null ? "object" : null,
    };

    private static JsonObject Atom(JsonObject schema)
    {
        switch (Type(schema))
        {
            case "object":
                var map = new JsonObject();
                if (schema["properties"] is JsonObject properties)
                {
                    map["fields"] = new JsonArray([.. properties.Select(p => (JsonNode)new JsonObject
                    {
                        ["name"] = p.Key,
                        ["type"] = TypeRef(p.Value!.AsObject()),
                    })]);
                }

                if (schema["additionalProperties"] is JsonObject additional)
                {
                    map["elementType"] = TypeRef(additional);
                }
                else if (schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true)
                {
                    map["elementType"] = Ref(UntypedDeduced);
                }

                map["elementRelationship"] = schema["x-kubernetes-map-type"]?.GetValue<string>() == "atomic" ? "atomic" : "separable";
                return new JsonObject { ["map"] = map };
            case "array":
                var list = new JsonObject
                {
                    ["elementType"] = schema["items"] is JsonObject items ? TypeRef(items) : Ref(UntypedDeduced),
                };
                switch (schema["x-kubernetes-list-type"]?.GetValue<string>())
                {
                    case "map":
                        list["elementRelationship"] = "associative";
                        list["keys"] = schema["x-kubernetes-list-map-keys"]!.DeepClone();
                        break;
                    case "set":
                        list["elementRelationship"] = "associative";
                        break;
                    default:
                        list["elementRelationship"] = "atomic";
                        break;
                }

                return new JsonObject { ["list"] = list };
            case "string":
                return new JsonObject { ["scalar"] = "string" };
            case "boolean":
                return new JsonObject { ["scalar"] = "boolean" };
            case "integer" or "number":
                return new JsonObject { ["scalar"] = "numeric" };
            default:
                return Ref(UntypedDeduced);
        }
    }
}
