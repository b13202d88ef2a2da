using System.Text.Json.Nodes;
using KVEdge.Core.Kube;

namespace KVEdge.Core.Tests.Kube;

/// <summary>What a controller's cache keeps of an object, and that the unchanged check still sees every change.</summary>
public sealed class CacheTransformTests
{
    private static JsonObject Live(string file) => JsonNode.Parse("""
        {"apiVersion":"v1","kind":"ConfigMap",
         "metadata":{"name":"edge-01-config","namespace":"factory-a","generation":3,
           "managedFields":[{"manager":"kvedge-operator","operation":"Apply","fieldsV1":{"f:data":{"f:config.toml":{}}}},
                            {"manager":"kubectl-edit","operation":"Update","fieldsV1":{"f:data":{}}}]},
         "data":{"config.toml":FILE,"short":"x"},
         "items":["a",FILE]}
        """.Replace("FILE", JsonValue.Create(file).ToJsonString(), StringComparison.Ordinal))!.AsObject();

    [Fact]
    public void Long_strings_become_digests_and_only_the_kept_managers_entries_stay()
    {
        var file = new string('a', CacheTransform.DigestFrom);
        var cached = JsonObject.Create(CacheTransform.Compact("kvedge-operator", digestLongStrings: true)(CacheTransform.ToElement(Live(file))))!;

        Assert.StartsWith("\u0001sha256:", cached["data"]!["config.toml"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("\u0001sha256:", cached["items"]![1]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("x", cached["data"]!["short"]!.GetValue<string>());
        Assert.Equal(3, cached["metadata"]!["generation"]!.GetValue<int>());
        var managers = cached["metadata"]!["managedFields"]!.AsArray().Select(m => m!["manager"]!.GetValue<string>());
        Assert.Equal(["kvedge-operator"], managers);
    }

    [Fact]
    public void Without_a_manager_to_keep_managedFields_go_and_strings_stay_whole_unless_asked()
    {
        var file = new string('b', 1000);
        var cached = JsonObject.Create(CacheTransform.Compact(keepManager: null, digestLongStrings: false)(CacheTransform.ToElement(Live(file))))!;

        Assert.Null(cached["metadata"]!["managedFields"]);
        Assert.Equal(file, cached["data"]!["config.toml"]!.GetValue<string>());
    }

    [Fact]
    public void The_unchanged_check_compares_a_rendered_value_with_its_digest_and_sees_a_changed_one()
    {
        var file = string.Concat(Enumerable.Repeat("[agent]\nname = \"edgeAgent\"\n", 20));
        var cached = JsonObject.Create(CacheTransform.Compact("kvedge-operator", digestLongStrings: true)(CacheTransform.ToElement(Live(file))))!;

        Assert.True(AppliedHash.IsSubset(new JsonObject { ["data"] = new JsonObject { ["config.toml"] = file } }, cached));
        Assert.False(AppliedHash.IsSubset(new JsonObject { ["data"] = new JsonObject { ["config.toml"] = file + "#" } }, cached));
        // A short rendered value is not taken for the long live one's digest.
        Assert.False(AppliedHash.IsSubset(new JsonObject { ["data"] = new JsonObject { ["config.toml"] = "x" } }, cached));
    }

    [Fact]
    public void A_digest_is_never_a_value_of_its_own()
    {
        var value = new string('c', CacheTransform.DigestFrom);
        Assert.True(CacheTransform.IsDigestOf(CacheTransform.Digest(value), value));
        Assert.False(CacheTransform.IsDigestOf(CacheTransform.Digest(value), value + "d"));
        Assert.False(CacheTransform.IsDigestOf(value, value));
    }
}
