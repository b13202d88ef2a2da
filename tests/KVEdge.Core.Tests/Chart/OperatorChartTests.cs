using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Chart;

/// <summary>
/// deploy/helm/kvedge-operator with the real helm v4: it lints strictly, carries the CRD kvedge prints, renders objects
/// that pass the Kubernetes 1.35 schemas, a pod that meets the restricted Pod Security profile, RBAC listed verb by
/// verb (a Role when it watches one namespace), refuses values that would reach a flag unchecked, and installs against
/// the contract server.
/// </summary>
public sealed class OperatorChartTests
{
    private static string Dir => Path.Combine(RepoPaths.Root, "deploy", "helm", "kvedge-operator");

    private static IReadOnlyList<JsonObject> Render(params string[] extra)
    {
        var result = ExternalTool.Run(HelmChart.Helm, ["template", "op", Dir, "-n", "kvedge-system", "--include-crds", .. extra]);
        Assert.True(result.ExitCode == 0, result.StdErr);
        return YamlToJson.ParseAll(result.StdOut);
    }

    [Fact]
    public void Helm_lint_strict_passes()
    {
        var result = ExternalTool.Run(HelmChart.Helm, ["lint", "--strict", Dir]);
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
    }

    [Fact]
    public void The_chart_carries_the_CRDs_kvedge_prints()
    {
        Golden.AssertMatches(Path.Combine(Dir, "crds", "edgedevices.kvedge.io.yaml"), CrdAction.Render(json: false, edgeDevices: true));
        Golden.AssertMatches(Path.Combine(Dir, "crds", "rolloutpolicies.kvedge.io.yaml"), CrdAction.Render(json: false, edgeDevices: false));
    }

    [Fact]
    public void Every_object_passes_the_schemas()
    {
        var objects = Render();
        Assert.Equal(["ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "CustomResourceDefinition", "Deployment", "Role", "RoleBinding", "Service", "ServiceAccount"],
            objects.Select(o => o["kind"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        foreach (var o in objects)
        {
            Assert.Empty(SchemaValidator.Validate(o));
        }
    }

    [Fact]
    public void The_pod_meets_the_restricted_Pod_Security_profile()
    {
        var deployment = Render().Single(o => o["kind"]!.GetValue<string>() == "Deployment");
        var pod = deployment["spec"]!["template"]!["spec"]!.AsObject();
        Assert.Equal(2, deployment["spec"]!["replicas"]!.GetValue<long>());
        // pod-security-admission v0.36.2 policy: check_runAsNonRoot, check_runAsUser, check_seccompProfile_restricted,
        // check_allowPrivilegeEscalation, check_capabilities_restricted; baseline's host namespaces and hostPath.
        Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());
        Assert.NotEqual(0, pod["securityContext"]!["runAsUser"]!.GetValue<long>());
        Assert.Equal("RuntimeDefault", pod["securityContext"]!["seccompProfile"]!["type"]!.GetValue<string>());
        foreach (var key in new[] { "hostNetwork", "hostPID", "hostIPC" })
        {
            Assert.Null(pod[key]);
        }

        Assert.Null(pod["volumes"]);
        foreach (var container in pod["containers"]!.AsArray())
        {
            var sc = container!["securityContext"]!;
            Assert.False(sc["allowPrivilegeEscalation"]!.GetValue<bool>());
            Assert.True(sc["readOnlyRootFilesystem"]!.GetValue<bool>());
            Assert.Equal(["ALL"], sc["capabilities"]!["drop"]!.AsArray().Select(c => c!.GetValue<string>()));
            Assert.Null(sc["capabilities"]!["add"]);
            Assert.Null(sc["privileged"]);
            Assert.Equal("/healthz", container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
            Assert.Equal("/readyz", container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        }
    }

    [Fact]
    public void RBAC_is_listed_verb_by_verb_and_narrows_to_a_Role_for_one_namespace()
    {
        var cluster = Render().Single(o => o["kind"]!.GetValue<string>() == "ClusterRole");
        var rules = cluster["rules"]!.AsArray();
        Assert.DoesNotContain(rules, r => r!["verbs"]!.AsArray().Any(v => v!.GetValue<string>() is "*" or "escalate" or "bind" or "impersonate")
            || r["resources"]!.AsArray().Any(x => x!.GetValue<string>() == "*") || r["apiGroups"]!.AsArray().Any(x => x!.GetValue<string>() == "*"));
        Assert.Contains(rules, r => r!["resources"]!.AsArray().Any(x => x!.GetValue<string>() == "edgedevices/status")
            && r["verbs"]!.AsArray().Select(v => v!.GetValue<string>()).SequenceEqual(["get", "patch"]));

        var narrow = Render("--set", "watchNamespace=factory-a");
        Assert.DoesNotContain(narrow, o => o["kind"]!.GetValue<string>() is "ClusterRole" or "ClusterRoleBinding");
        Assert.Contains(narrow, o => o["kind"]!.GetValue<string>() == "Role" && o["metadata"]!["namespace"]!.GetValue<string>() == "factory-a");
        var args = narrow.Single(o => o["kind"]!.GetValue<string>() == "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.GetValue<string>());
        Assert.Contains("--watch-namespace=factory-a", args);
    }

    [Theory]
    [InlineData("resync=10m\n- --metrics-bind-address=0.0.0.0:1", "resync")]
    [InlineData("watchNamespace=Factory_A", "watchNamespace")]
    [InlineData("image.digest=sha256:nothex", "digest")]
    [InlineData("leaderElection.leaseDuration=forever", "leaseDuration")]
    [InlineData("workers=0", "workers")]
    public void Values_that_would_reach_a_flag_unchecked_are_refused(string set, string field)
    {
        var result = ExternalTool.Run(HelmChart.Helm, ["template", "op", Dir, "--set", set]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(field, result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Helm_installs_the_chart_against_the_contract_server()
    {
        await using var cluster = await ContractCluster.StartAsync();
        cluster.Server.ClusterScope = true;
        cluster.Server.Seed(ContractCluster.Parse("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kvedge-system"},"status":{"phase":"Active"}}"""));
        var result = ExternalTool.Run(HelmChart.Helm, ["install", "op", Dir, "-n", "kvedge-system", "--kubeconfig", cluster.Kubeconfig]);
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
        Assert.NotNull(cluster.Server.Store.Read(ResourceType.CustomResourceDefinition, null, "edgedevices.kvedge.io"));
        Assert.NotNull(cluster.Server.Store.Read(ResourceType.Deployment, "kvedge-system", "op"));
        Assert.NotNull(cluster.Server.Store.Read(ResourceType.ClusterRoleBinding, null, "op"));
        Assert.NotNull(cluster.Server.Store.Read(ResourceType.Role, "kvedge-system", "op-leader-election"));
    }
}
