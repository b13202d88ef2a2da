using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// Custom resources served from the CustomResourceDefinitions in the store, as the apiextensions server serves them
/// (kubernetes/apiextensions-apiserver v0.36.3): a CRD created or changed starts serving its resource (discovery
/// included) and gets Established and NamesAccepted in its status, as the establishing controller sets them a moment later
/// (pkg/controller/establish); a CRD deleted stops serving it, and its objects go (the customresourcecleanup finalizer's
/// work, pkg/controller/finalizer/crd_finalizer.go). kubectl's Table requests are answered from the additionalPrinterColumns.
/// </summary>
public sealed partial class ContractApiServer
{
    private readonly ConcurrentDictionary<string, CustomResource> _customResources = new(StringComparer.Ordinal);

    /// <summary>Every resource served: the built-in ones and those of the CRDs in the store.</summary>
    public IEnumerable<ResourceType> Types => ResourceType.All.Concat(_customResources.Values.Select(c => c.Type));

    private ResourceType? FindType(string group, string version, string plural) =>
        Types.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    private CustomResource? CustomOf(ResourceType type) => _customResources.Values.FirstOrDefault(c => c.Type == type);

    /// <summary>Installs a CRD (as `kubectl apply -f crd.yaml` would), for tests that start from a cluster with it.</summary>
    public JsonObject InstallCrd(JsonObject crd) => Seed(crd.DeepClone().AsObject(), "kubectl");

    private void OnCustomResourceDefinition(WatchEvent e)
    {
        if (e.Type != ResourceType.CustomResourceDefinition)
        {
            return;
        }

        var name = e.Object["metadata"]!["name"]!.GetValue<string>();
        if (e.EventType == "DELETED")
        {
            if (_customResources.TryRemove(name, out var gone))
            {
                _ = Task.Run(() =>
                {
                    foreach (var o in Store.List(gone.Type, null))
                    {
                        Store.Remove(gone.Type, o["metadata"]?["namespace"]?.GetValue<string>(), o["metadata"]!["name"]!.GetValue<string>());
                    }
                });
            }

            return;
        }

        var resource = CustomResource.FromCrd(e.Object);
        _customResources[name] = resource;
        FieldSet.Register(resource.Type, resource.Schema);
        if (!ConditionTrue(e.Object, "Established"))
        {
            // Later, outside the store's lock this event is published under, as the establishing controller would.
            _ = Task.Run(() => Store.Atomically(() =>
            {
                if (Store.Get(ResourceType.CustomResourceDefinition, null, name) is not { } stored)
                {
                    return false;
                }

                var next = stored.Object.DeepClone().AsObject();
                var names = next["spec"]!["names"]!.DeepClone();
                next["status"] = new JsonObject
                {
                    ["acceptedNames"] = names,
                    ["storedVersions"] = new JsonArray(resource.Type.Version),
                    ["conditions"] = new JsonArray(
                        Condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                        Condition("Established", "InitialNamesAccepted", "the initial names have been accepted")),
                };
                Store.Commit(ResourceType.CustomResourceDefinition, next, stored.Managers);
                return true;
            }));
        }

        static JsonObject Condition(string type, string reason, string message) => new()
        {
            ["type"] = type,
            ["status"] = "True",
            ["reason"] = reason,
            ["message"] = message,
            ["lastTransitionTime"] = "2026-01-01T00:00:00Z",
        };
    }

    private static bool ConditionTrue(JsonObject obj, string type) =>
        obj["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == type && c["status"]?.GetValue<string>() == "True") == true;

    // kubectl get asks for a Table (Accept: application/json;as=Table;v=v1;g=meta.k8s.io, ...;
    // https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables).
    private static bool WantsTable(HttpContext context) =>
        context.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.Ordinal);

    /// <summary>
    /// A meta.k8s.io/v1 Table of custom resources: NAME, then the CRD's printer columns (priority 0 shown, more with -o wide),
    /// each cell the value at its JSONPath (a wrongly typed or missing value an empty cell), a date column as an age, as
    /// the apiextensions server's table convertor does (pkg/registry/customresource/tableconvertor/tableconvertor.go).
    /// </summary>
    private static JsonObject Table(CustomResource resource, IReadOnlyList<JsonObject> objects)
    {
        var columns = new JsonArray(new JsonObject
        {
            ["name"] = "Name",
            ["type"] = "string",
            ["format"] = "name",
            ["description"] = "Name must be unique within a namespace.",
            ["priority"] = 0,
        });
        foreach (var c in resource.PrinterColumns)
        {
            columns.Add((JsonNode)new JsonObject
            {
                ["name"] = c!["name"]!.DeepClone(),
                ["type"] = c["type"]!.GetValue<string>() == "date" ? "string" : c["type"]!.DeepClone(),
                ["format"] = c["format"]?.DeepClone() ?? "",
                ["description"] = c["description"]?.DeepClone() ?? "",
                ["priority"] = c["priority"]?.DeepClone() ?? 0,
            });
        }

        var rows = new JsonArray();
        foreach (var o in objects)
        {
            var cells = new JsonArray((JsonNode)o["metadata"]!["name"]!.GetValue<string>());
            foreach (var c in resource.PrinterColumns)
            {
                var value = JsonPathValue(o, c!["jsonPath"]!.GetValue<string>());
                cells.Add(c["type"]!.GetValue<string>() switch
                {
                    "date" when value is JsonValue v && DateTimeOffset.TryParse(v.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) => Age(DateTimeOffset.UtcNow - at),
                    "date" => "<unknown>",
                    "string" => value is JsonValue s && s.GetValueKind() == System.Text.Json.JsonValueKind.String ? s.GetValue<string>() : null,
                    _ => value?.DeepClone(),
                });
            }

            rows.Add((JsonNode)new JsonObject
            {
                ["cells"] = cells,
                ["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = PartialMetadata(o),
                },
            });
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject(),
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        };
    }

    private static JsonObject PartialMetadata(JsonObject o)
    {
        var metadata = o["metadata"]!.DeepClone().AsObject();
        metadata.Remove("managedFields");
        return metadata;
    }

    /// <summary>
    /// The value at a printer column's JSONPath, for the forms CRDs use: ".a.b" and a filter on a list,
    /// ".a[?(@.k==\"v\")].f" (client-go util/jsonpath). The first match; null when none.
    /// </summary>
    public static JsonNode? JsonPathValue(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        var rest = path.TrimStart('.');
        while (rest.Length > 0 && node is not null)
        {
            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            var bracket = rest.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0 && (dot < 0 || bracket < dot))
            {
                var field = rest[..bracket];
                var close = rest.IndexOf(")]", bracket, StringComparison.Ordinal);
                var filter = rest[(bracket + 1)..(close + 1)];
                node = field.Length > 0 ? node[field] : node;
                var m = System.Text.RegularExpressions.Regex.Match(filter, "^\\?\\(@\\.(\\w+)==[\"'](.*)[\"']\\)$");
                node = m.Success && node is JsonArray list
                    ? list.FirstOrDefault(i => (i as JsonObject)?[m.Groups[1].Value] is JsonValue v && v.ToString() == m.Groups[2].Value)
                    : null;
                rest = rest[(close + 2)..].TrimStart('.');
                continue;
            }

            var name = dot < 0 ? rest : rest[..dot];
            node = (node as JsonObject)?[name];
            rest = dot < 0 ? "" : rest[(dot + 1)..];
        }

        return node;
    }

    // apimachinery pkg/util/duration HumanDuration, to days.
    private static string Age(TimeSpan d) =>
        d.TotalSeconds < 120 ? $"{(int)d.TotalSeconds}s"
        : d.TotalMinutes < 10 ? $"{(int)d.TotalMinutes}m{d.Seconds}s"
        : d.TotalHours < 3 ? $"{(int)d.TotalMinutes}m"
        : d.TotalHours < 8 ? $"{(int)d.TotalHours}h{d.Minutes}m"
        : d.TotalHours < 48 ? $"{(int)d.TotalHours}h"
        : $"{(int)d.TotalDays}d";
}
