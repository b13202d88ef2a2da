using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Spec;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Spec;

/// <summary>The RolloutPolicy CRD: a CRD the API server takes, its file what `kvedge crd` prints, and its patterns the CLI's rules.</summary>
public sealed class RolloutPolicyCrdTests
{
    private static readonly string CrdPath = Path.Combine(RepoPaths.Root, "deploy", "crds", "rolloutpolicies.kvedge.io.yaml");

    [Fact]
    public void The_CRD_file_is_what_kvedge_crd_prints() => Golden.AssertMatches(CrdPath, CrdAction.Render(json: false, edgeDevices: false));

    [Fact]
    public void The_CRD_passes_the_Kubernetes_schema_and_the_structural_rules()
    {
        var crd = RolloutPolicyCrd.Build();
        Assert.Empty(SchemaValidator.Validate(crd));
        var errors = StructuralSchemaRules.Check(crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject());
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Theory]
    [InlineData("3", true)]
    [InlineData("10%", true)]
    [InlineData("100%", true)]
    [InlineData("101%", false)]
    [InlineData("ten", false)]
    [InlineData("3\n", false)]
    public void The_count_or_percent_pattern_agrees_with_the_CLI(string text, bool valid)
    {
        var pattern = new System.Text.RegularExpressions.Regex(RolloutPolicyCrd.CountOrPercentPattern);
        Assert.Equal(valid, pattern.IsMatch(text));
        Assert.Equal(valid, CountOrPercent.TryParse(text, out _, out _));
    }

    [Fact]
    public void A_policy_is_a_valid_custom_resource_and_one_with_two_canaries_is_refused()
    {
        var resource = CustomResource.FromCrd(RolloutPolicyCrd.Build());
        var policy = JsonNode.Parse("""
            {"apiVersion":"kvedge.io/v1alpha1","kind":"RolloutPolicy","metadata":{"name":"plant","namespace":"factory-a"},
             "spec":{"selector":{"matchLabels":{"site":"plant-7"}},"canary":1,"maxUnavailable":"10%","failureThreshold":2,"progressDeadline":"15m",
                     "remediation":{"unhealthyFor":"5m","retryLimit":3,"retryWindow":"1h","maxUnhealthy":"40%"}}}
            """)!.AsObject();
        Assert.Empty(resource.SchemaErrors(policy));
        Assert.Empty(resource.RuleErrors(policy));
        policy["spec"]!["canarySelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["ring"] = "pilot" } };
        policy["spec"]!["maxUnavailable"] = "ten";
        var errors = string.Join("\n", resource.SchemaErrors(policy).Concat(resource.RuleErrors(policy).Select(e => e.Message)));
        Assert.Contains("canary and canarySelector: choose one", errors, StringComparison.Ordinal);
        Assert.Contains("maxUnavailable", errors, StringComparison.Ordinal);
    }
}
