using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// One PolicyRule of a Role or ClusterRole, matched as the API server's RBAC authorizer matches it (kubernetes/kubernetes
/// v1.35.0 pkg/apis/rbac/v1/evaluation_helpers.go: VerbMatches, APIGroupMatches, ResourceMatches, ResourceNameMatches):
/// "*" matches any verb, group or resource; a subresource is named "resource/subresource" ("*/status" for any
/// resource's); resourceNames, when given, match only requests that name one of them, so never a create, list or watch.
/// </summary>
public sealed record RbacRule(IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs, IReadOnlyList<string> ResourceNames)
{
    public static RbacRule FromJson(JsonNode rule)
    {
        static IReadOnlyList<string> Strings(JsonNode? node) => node is JsonArray a ? [.. a.Select(v => v!.GetValue<string>())] : [];
        return new RbacRule(Strings(rule["apiGroups"]), Strings(rule["resources"]), Strings(rule["verbs"]), Strings(rule["resourceNames"]));
    }

    public bool Allows(string verb, string group, string resource, string? subresource, string? name)
    {
        if (!Verbs.Contains("*") && !Verbs.Contains(verb))
        {
            return false;
        }

        if (!ApiGroups.Contains("*") && !ApiGroups.Contains(group))
        {
            return false;
        }

        var combined = subresource is null ? resource : $"{resource}/{subresource}";
        if (!Resources.Any(r => r == "*" || r == combined || (subresource is not null && r == "*/" + subresource)))
        {
            return false;
        }

        return ResourceNames.Count == 0 || (name is not null && ResourceNames.Contains(name));
    }
}
