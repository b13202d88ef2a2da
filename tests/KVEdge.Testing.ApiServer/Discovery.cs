using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// API discovery as the API server serves it (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api,
/// the unaggregated form: /api, /apis, /api/v1, /apis/GROUP/VERSION). kubectl and helm build their REST mapping from it;
/// a client that asks for the aggregated form gets this JSON and falls back, as client-go does with an older server.
/// Groups whose CRDs are not installed are left out.
/// </summary>
public static class Discovery
{
    // The short names the CRDs (kubevirt's and CDI's) and the core types declare; kubectl resolves "vm", "dv" by them.
    private static readonly Dictionary<string, string[]> ShortNames = new(StringComparer.Ordinal)
    {
        ["virtualmachines"] = ["vm", "vms"],
        ["virtualmachineinstances"] = ["vmi", "vmis"],
        ["datavolumes"] = ["dv", "dvs"],
        ["kubevirts"] = ["kv", "kvs"],
        ["services"] = ["svc"],
        ["configmaps"] = ["cm"],
        ["persistentvolumeclaims"] = ["pvc"],
        ["nodes"] = ["no"],
        ["namespaces"] = ["ns"],
        ["storageclasses"] = ["sc"],
        ["customresourcedefinitions"] = ["crd", "crds"],
        ["events"] = ["ev"],
        ["serviceaccounts"] = ["sa"],
        ["deployments"] = ["deploy"],
    };

    private static readonly string[] ObjectVerbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

    public static JsonObject? Answer(string[] segments, ISet<string> unserved, Uri url, IEnumerable<ResourceType> served, IEnumerable<CustomResource> custom)
    {
        var all = served.ToList();
        var customs = custom.ToList();
        switch (segments)
        {
            case ["api"]:
                return new JsonObject
                {
                    ["kind"] = "APIVersions",
                    ["versions"] = new JsonArray("v1"),
                    ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = $"{url.Host}:{url.Port}" }),
                };
            case ["apis"]:
                return new JsonObject
                {
                    ["kind"] = "APIGroupList",
                    ["apiVersion"] = "v1",
                    ["groups"] = new JsonArray(Groups(all, unserved).Select(g => (JsonNode)new JsonObject
                    {
                        ["name"] = g.Group,
                        ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = $"{g.Group}/{g.Version}", ["version"] = g.Version }),
                        ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{g.Group}/{g.Version}", ["version"] = g.Version },
                    }).ToArray()),
                };
            case ["api", "v1"]:
                return Resources(all, customs, "v1", "", "v1");
            case ["openapi", "v3"]:
                var paths = new JsonObject { ["api/v1"] = new JsonObject { ["serverRelativeURL"] = "/openapi/v3/api/v1?hash=contract" } };
                foreach (var (g, v) in Groups(all, unserved))
                {
                    paths[$"apis/{g}/{v}"] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/apis/{g}/{v}?hash=contract" };
                }

                return new JsonObject { ["paths"] = paths };
            case ["openapi", "v3", "api", "v1"]:
                return OpenApi(all, "", "v1");
            case ["openapi", "v3", "apis", var g3, var v3] when Groups(all, unserved).Any(g => g.Group == g3 && g.Version == v3):
                return OpenApi(all, g3, v3);
            case ["apis", var group, var version] when Groups(all, unserved).Any(g => g.Group == group && g.Version == version):
                return Resources(all, customs, $"{group}/{version}", group, version);
            default:
                return null;
        }
    }

    private static IEnumerable<(string Group, string Version)> Groups(IReadOnlyList<ResourceType> all, ISet<string> unserved) =>
        all.Where(t => t.Group.Length > 0).Select(t => (t.Group, t.Version))
            .Append(("authorization.k8s.io", "v1"))
            .Append(("subresources.kubevirt.io", "v1"))
            .Where(g => !unserved.Contains(g.Item1) && !(g.Item1 == "subresources.kubevirt.io" && unserved.Contains("kubevirt.io")))
            .Distinct()
            .OrderBy(g => g.Item1, StringComparer.Ordinal);

    /// <summary>
    /// An OpenAPI v3 document for a group version that carries what kubectl reads from it: each kind's PATCH operation,
    /// tagged with x-kubernetes-group-version-kind and listing the fieldValidation and dryRun query parameters, so
    /// kubectl (QueryParamVerifierV3) leaves field validation to the server. The object schemas are left open here; the
    /// server validates against ../shared/schemas itself.
    /// </summary>
    private static JsonObject OpenApi(IReadOnlyList<ResourceType> all, string group, string version)
    {
        var paths = new JsonObject();
        foreach (var t in all.Where(t => t.Group == group && t.Version == version))
        {
            var prefix = group.Length == 0 ? $"/api/{version}" : $"/apis/{group}/{version}";
            var path = t.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{t.Plural}/{{name}}" : $"{prefix}/{t.Plural}/{{name}}";
            JsonObject Operation() => new()
            {
                ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = group, ["version"] = version, ["kind"] = t.Kind },
                ["parameters"] = new JsonArray(
                    new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
                    new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
                    new JsonObject { ["name"] = "fieldManager", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } },
                    new JsonObject { ["name"] = "force", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "boolean" } }),
                ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
            };
            paths[path] = new JsonObject { ["patch"] = Operation(), ["put"] = Operation() };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes (kvedge contract server)", ["version"] = "v1.35.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    private static JsonObject Resources(IReadOnlyList<ResourceType> all, IReadOnlyList<CustomResource> customs, string groupVersion, string group, string version)
    {
        var resources = new JsonArray();
        foreach (var t in all.Where(t => t.Group == group && t.Version == version))
        {
            var custom = customs.FirstOrDefault(c => c.Type == t);
            resources.Add(new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Kind.ToLowerInvariant(),
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray(ObjectVerbs.Select(v => (JsonNode)v).ToArray()),
                ["shortNames"] = new JsonArray((custom?.ShortNames ?? ShortNames.GetValueOrDefault(t.Plural) ?? []).Select(n => (JsonNode)n).ToArray()),
                ["categories"] = new JsonArray((custom?.Categories ?? []).Select(n => (JsonNode)n).ToArray()),
            });
            if (t.HasStatus)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = $"{t.Plural}/status",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = t.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        if (group == "authorization.k8s.io")
        {
            resources.Add(new JsonObject { ["name"] = "selfsubjectaccessreviews", ["singularName"] = "", ["namespaced"] = false, ["kind"] = "SelfSubjectAccessReview", ["verbs"] = new JsonArray("create") });
        }

        if (group == "subresources.kubevirt.io")
        {
            foreach (var action in new[] { "restart", "start", "stop" })
            {
                resources.Add(new JsonObject { ["name"] = $"virtualmachines/{action}", ["singularName"] = "", ["namespaced"] = true, ["kind"] = "VirtualMachine", ["verbs"] = new JsonArray("update") });
            }
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = groupVersion, ["resources"] = resources };
    }
}
