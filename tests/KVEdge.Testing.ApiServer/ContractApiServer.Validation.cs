using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KVEdge.Testing.ApiServer;

/// <summary>What the API server checks of a body before it stores it: identity, schemas (with fieldValidation), defaults, namespaces.</summary>
public sealed partial class ContractApiServer
{
    private void CheckIdentity(ResourceType type, string? ns, string? name, JsonObject body)
    {
        if (body["apiVersion"]?.GetValue<string>() != type.ApiVersion || body["kind"]?.GetValue<string>() != type.Kind)
        {
            throw ApiError.BadRequest($"the body's apiVersion/kind ({body["apiVersion"]}/{body["kind"]}) does not match the URL ({type.ApiVersion}/{type.Kind})");
        }

        var metadata = body["metadata"] as JsonObject ?? throw ApiError.BadRequest("metadata is required");
        if (name is not null && metadata["name"]?.GetValue<string>() != name)
        {
            throw ApiError.BadRequest($"the name in the body ({metadata["name"]}) does not match the name in the URL ({name})");
        }

        if (type.Namespaced)
        {
            var bodyNs = metadata["namespace"]?.GetValue<string>();
            if (bodyNs is not null && bodyNs != ns)
            {
                throw ApiError.BadRequest($"the namespace of the provided object ({bodyNs}) does not match the namespace sent on the request ({ns})");
            }

            metadata["namespace"] = ns;
        }
    }

    // Field validation (https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation; apiserver
    // handlers/rest.go): a value of the wrong type is always a 422; an unknown field depends on ?fieldValidation=:
    // Strict is a 422 naming each field, Warn (the default when the parameter is absent) drops it and says so only in
    // a Warning response header, Ignore drops it silently. Any other value is a 400.
    private static readonly AsyncLocal<List<string>?> ResponseWarnings = new();

    private static string FieldValidation(HttpContext context)
    {
        var mode = context.Request.Query["fieldValidation"].ToString();
        return mode switch
        {
            "" => "Warn",
            "Strict" or "Warn" or "Ignore" => mode,
            _ => throw ApiError.BadRequest($"fieldValidation parameter unsupported: {mode}; expected one of Ignore, Warn, Strict"),
        };
    }

    private static readonly AsyncLocal<string?> CurrentFieldValidation = new();

    private void Validate(ResourceType type, JsonObject obj, JsonObject? old = null)
    {
        if (!ValidateSchemas)
        {
            return;
        }

        var copy = obj.DeepClone().AsObject();
        var metadata = copy["metadata"]!.AsObject();
        foreach (var serverField in new[] { "managedFields", "uid", "resourceVersion", "creationTimestamp", "generation", "deletionTimestamp" })
        {
            metadata.Remove(serverField);
        }

        var custom = CustomOf(type);
        var errors = custom is null ? SchemaValidator.Validate(copy) : custom.SchemaErrors(copy);
        var unknown = errors.Where(e => e.Contains(": NoAdditionalPropertiesAllowed", StringComparison.Ordinal)).ToList();
        var invalid = errors.Except(unknown).ToList();
        var mode = CurrentFieldValidation.Value ?? "Warn";
        if (mode == "Strict")
        {
            invalid.AddRange(unknown.Select(u => $"{UnknownFieldPath(u)}: unknown field \"{UnknownFieldPath(u)}\""));
        }
        else
        {
            foreach (var u in unknown)
            {
                RemovePath(obj, UnknownFieldPath(u));
                if (mode == "Warn")
                {
                    ResponseWarnings.Value?.Add($"unknown field \"{UnknownFieldPath(u)}\"");
                }
            }
        }

        var causes = invalid.Select(e => ("FieldValueInvalid", e, e.Split(':')[0])).ToList();
        if (custom is not null)
        {
            // CEL rules run on the object as stored: after pruning, on valid values only (apiextensions-apiserver
            // pkg/registry/customresource/validator.go runs them after the schema).
            causes.AddRange(invalid.Count == 0 ? custom.RuleErrors(obj) : []);
        }

        if (custom is not null && old is not null)
        {
            // Validation ratcheting (CRDValidationRatcheting, GA in Kubernetes v1.33: "ignores errors raised on
            // unchanged fields of Custom Resources across UPDATE/PATCH requests"; KEP-4008,
            // https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#validation-ratcheting):
            // a custom resource stored before a rule existed can still be updated (its status, its finalizers) as long
            // as the failing value stays as it was.
            causes = [.. causes.Where(c => !Unchanged(old, obj, c.Item3))];
        }

        if (causes.Count > 0)
        {
            throw ApiError.Invalid(type, obj["metadata"]!["name"]!.GetValue<string>(), causes);
        }
    }

    // Whether the value at a cause's field path ("spec.a.b", "#/spec.ports[0].name") is the same in both objects.
    private static bool Unchanged(JsonObject old, JsonObject next, string path)
    {
        var segments = PathSegments(path.StartsWith("#/", StringComparison.Ordinal) ? path[2..] : path);
        return segments.Count > 0 && At(old, segments) is { } before && JsonNode.DeepEquals(before, At(next, segments));
    }

    private static List<string> PathSegments(string path) =>
        [.. System.Text.RegularExpressions.Regex.Matches(path, @"[^.\[\]]+|\[\d+\]").Select(m => m.Value)];

    private static JsonNode? At(JsonNode? node, IReadOnlyList<string> segments)
    {
        foreach (var segment in segments)
        {
            node = segment.StartsWith('[') ? (node as JsonArray)?.ElementAtOrDefault(int.Parse(segment[1..^1], CultureInfo.InvariantCulture)) : (node as JsonObject)?[segment];
        }

        return node;
    }

    // NJsonSchema names an unknown field "#/spec.template.spec.extra" (or "#/spec.ports[0].extra"): the field path.
    private static string UnknownFieldPath(string error)
    {
        var path = error[..error.IndexOf(": ", StringComparison.Ordinal)];
        return path.StartsWith("#/", StringComparison.Ordinal) ? path[2..] : path;
    }

    private static void RemovePath(JsonObject obj, string path)
    {
        var segments = PathSegments(path);
        JsonNode? node = obj;
        for (var i = 0; i < segments.Count - 1 && node is not null; i++)
        {
            node = segments[i].StartsWith('[') ? (node as JsonArray)?[int.Parse(segments[i][1..^1], CultureInfo.InvariantCulture)] : (node as JsonObject)?[segments[i]];
        }

        (node as JsonObject)?.Remove(segments[^1]);
    }

    private static void ApplyDefaults(ResourceType type, JsonObject obj)
    {
        // Server-side defaults kvedge reads back (Service type/protocol/targetPort; Secret stringData into data).
        if (type == ResourceType.Service && obj["spec"] is JsonObject spec)
        {
            spec["type"] ??= "ClusterIP";
            // Allocated from the name, not at random, so a test run reads the same address every time.
            var seed = obj["metadata"]!["name"]!.GetValue<string>().Aggregate(0, (h, c) => ((h * 31) + c) & 0x7fffffff);
            spec["clusterIP"] ??= "10.96.0." + ((seed % 250) + 2).ToString(CultureInfo.InvariantCulture);
            foreach (var port in spec["ports"]?.AsArray() ?? [])
            {
                port!["protocol"] ??= "TCP";
                port["targetPort"] ??= port["port"]!.DeepClone();
            }
        }
        else if (type == ResourceType.Secret && obj["stringData"] is JsonObject stringData)
        {
            var data = obj["data"] as JsonObject ?? new JsonObject();
            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value!.GetValue<string>()));
            }

            obj["data"] = data;
            obj.Remove("stringData");
        }
    }

    // NamespaceLifecycle (https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/#namespacelifecycle):
    // nothing is created in a namespace that does not exist (404) or is being terminated (403).
    private void CheckNamespace(ResourceType type, string? ns)
    {
        if (!type.Namespaced || ns is null)
        {
            return;
        }

        var namespaceObject = Store.Read(ResourceType.Namespace, null, ns)
            ?? throw new ApiError(HttpStatusCode.NotFound, "NotFound", $"namespaces \"{ns}\" not found");
        if (namespaceObject["status"]?["phase"]?.GetValue<string>() == "Terminating" || namespaceObject["metadata"]?["deletionTimestamp"] is not null)
        {
            throw new ApiError(HttpStatusCode.Forbidden, "Forbidden",
                $"{type.Key} \"{ns}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated");
        }
    }
}
