using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Kube;

/// <summary>
/// The contract server's RBAC rule matching against what kubernetes v1.35.0 pkg/apis/rbac/v1/evaluation_helpers.go
/// decides (and what its tests there assert): a subresource needs its own "resource/subresource" entry, "*/status"
/// matches any resource's status, resourceNames never match a request that names nothing.
/// </summary>
public sealed class RbacRuleTests
{
    private static RbacRule Rule(string[] groups, string[] resources, string[] verbs, string[]? names = null) => new(groups, resources, verbs, names ?? []);

    [Theory]
    [InlineData("patch", "kvedge.io", "edgedevices", null, null, true)]
    [InlineData("patch", "kvedge.io", "edgedevices", "status", null, false)]
    [InlineData("delete", "kvedge.io", "edgedevices", null, null, false)]
    [InlineData("patch", "kubevirt.io", "edgedevices", null, null, false)]
    public void A_rule_allows_its_own_verbs_groups_and_resources_only(string verb, string group, string resource, string? subresource, string? name, bool allowed) =>
        Assert.Equal(allowed, Rule(["kvedge.io"], ["edgedevices"], ["get", "patch"]).Allows(verb, group, resource, subresource, name));

    [Fact]
    public void Wildcards_and_subresources_match_as_the_authorizer_matches_them()
    {
        Assert.True(Rule(["*"], ["*"], ["*"]).Allows("delete", "cdi.kubevirt.io", "datavolumes", null, "x"));
        Assert.True(Rule(["kvedge.io"], ["*/status"], ["patch"]).Allows("patch", "kvedge.io", "edgedevices", "status", "a"));
        Assert.False(Rule(["kvedge.io"], ["*/status"], ["patch"]).Allows("patch", "kvedge.io", "edgedevices", null, "a"));
        Assert.True(Rule(["kvedge.io"], ["edgedevices/status"], ["patch"]).Allows("patch", "kvedge.io", "edgedevices", "status", "a"));
    }

    [Fact]
    public void Resource_names_match_only_a_request_that_names_one_of_them()
    {
        var lease = Rule(["coordination.k8s.io"], ["leases"], ["get", "update", "create"], ["kvedge-operator"]);
        Assert.True(lease.Allows("update", "coordination.k8s.io", "leases", null, "kvedge-operator"));
        Assert.False(lease.Allows("update", "coordination.k8s.io", "leases", null, "other"));
        Assert.False(lease.Allows("create", "coordination.k8s.io", "leases", null, null));
    }

    [Fact]
    public void A_role_binding_grants_in_its_namespace_only_and_a_cluster_binding_everywhere()
    {
        var account = new ServiceAccountGrant("kvedge-system", "op",
        [
            ("kvedge-system", Rule([""], ["configmaps"], ["get"])),
            (null, Rule([""], ["secrets"], ["list"])),
        ]);
        Assert.True(account.Allows("get", "", "configmaps", null, "kvedge-system", "a"));
        Assert.False(account.Allows("get", "", "configmaps", null, "factory-a", "a"));
        Assert.True(account.Allows("list", "", "secrets", null, "factory-a", null));
        Assert.True(account.Allows("list", "", "secrets", null, null, null));
        Assert.Equal("system:serviceaccount:kvedge-system:op", account.User);
    }
}
