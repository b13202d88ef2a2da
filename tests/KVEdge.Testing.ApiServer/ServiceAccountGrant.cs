namespace KVEdge.Testing.ApiServer;

/// <summary>
/// A service account that calls with its own bearer token, and the rules bound to it: a ClusterRoleBinding's (no
/// namespace: every namespace and the cluster scope) and each RoleBinding's (its namespace only), as RBAC binds them
/// (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding).
/// </summary>
public sealed record ServiceAccountGrant(string Namespace, string Name, IReadOnlyList<(string? Namespace, RbacRule Rule)> Rules)
{
    /// <summary>The user name the API server gives a service account.</summary>
    public string User => $"system:serviceaccount:{Namespace}:{Name}";

    public bool Allows(string verb, string group, string resource, string? subresource, string? ns, string? name) =>
        Rules.Any(r => (r.Namespace is null || r.Namespace == ns) && r.Rule.Allows(verb, group, resource, subresource, name));
}
