using System.Net;
using System.Text.Json.Nodes;
using k8s.Autorest;
using k8s.Models;
using KVEdge.Testing.ApiServer;

using KVEdge.Core.Tests.Actions;

namespace KVEdge.Core.Tests.Kube;

/// <summary>
/// Server-side apply field sets as the schema says (kubernetes-sigs/structured-merge-diff; the x-kubernetes-list-type
/// and x-kubernetes-map-type of ../shared/schemas). The Service tests' expected managedFields are what
/// structured-merge-diff 4.1.2 printed for the same applies (Debian's golang-k8s-sigs-structured-merge-diff-dev,
/// merge.Updater.Apply, run once by hand); the others follow its merge/update.go and typed/remove.go rules. The library
/// itself checks the server in CI: StructuredMergeDiffComparisonTests.
/// </summary>
public sealed class ContractServerApplyTests : RawContractServerTest
{
    private Task<HttpOperationResponse<V1Service>> ApplyService(string manager, string spec, bool force = false) =>
        Raw.CoreV1.PatchNamespacedServiceWithHttpMessagesAsync(
            new V1Patch($$$"""{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","namespace":"factory-a"},"spec":{{{spec}}}}""", V1Patch.PatchType.ApplyPatch),
            "s", "factory-a", fieldManager: manager, force: force);

    private Task<HttpOperationResponse<V1ConfigMap>> ApplyConfigMap(string manager, string metadata, bool force = false) =>
        Raw.CoreV1.PatchNamespacedConfigMapWithHttpMessagesAsync(
            new V1Patch($$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"factory-a"{{{metadata}}}},"data":{"k":"1"}}""", V1Patch.PatchType.ApplyPatch),
            "c", "factory-a", fieldManager: manager, force: force);

    private JsonNode? Managed(ResourceType type, string name, string manager) =>
        Cluster.Server.Store.Read(type, "factory-a", name)!["metadata"]!["managedFields"]!.AsArray().FirstOrDefault(m => m!["manager"]!.GetValue<string>() == manager)?["fieldsV1"];

    // Compared as JSON, not as text: System.Text.Json escapes the quotes inside keys differently from Go.
    private static void Same(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    [Fact]
    public async Task Service_ports_merge_per_port_and_protocol_and_are_owned_item_by_item()
    {
        await ApplyService("a", """{"selector":{"app":"e"},"ports":[{"port":22,"protocol":"TCP","name":"ssh"}]}""");
        await ApplyService("b", """{"ports":[{"port":8883,"protocol":"TCP","name":"mqtts"}]}""");

        var ports = Cluster.Server.Store.Read(ResourceType.Service, "factory-a", "s")!["spec"]!["ports"]!.AsArray();
        Assert.Equal([22, 8883], ports.Select(p => p!["port"]!.GetValue<int>()));
        Same("""{"f:spec":{"f:ports":{"k:{\"port\":8883,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:protocol":{}}}}}""", Managed(ResourceType.Service, "s", "b"));
    }

    [Fact]
    public async Task A_Services_selector_is_atomic_so_another_key_is_a_conflict()
    {
        await ApplyService("a", """{"selector":{"app":"e"},"ports":[{"port":22,"protocol":"TCP","name":"ssh"}]}""");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => ApplyService("b", """{"selector":{"tier":"edge"}}"""));
        Assert.Equal(HttpStatusCode.Conflict, ex.Response.StatusCode);
        Assert.Contains("conflict with \"a\": .spec.selector", JsonNode.Parse(ex.Response.Content)!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // Forced, b takes the selector whole; a stops owning it, keeps its port.
        await ApplyService("b", """{"selector":{"tier":"edge"}}""", force: true);
        Assert.Equal("""{"tier":"edge"}""", Cluster.Server.Store.Read(ResourceType.Service, "factory-a", "s")!["spec"]!["selector"]!.ToJsonString());
        Same("""{"f:spec":{"f:ports":{"k:{\"port\":22,\"protocol\":\"TCP\"}":{".":{},"f:name":{},"f:port":{},"f:protocol":{}}}}}""", Managed(ResourceType.Service, "s", "a"));
    }

    [Fact]
    public async Task Force_moves_only_the_fields_whose_value_changes()
    {
        await ApplyConfigMap("a", ""","labels":{"x":"1","y":"2"}""");
        await ApplyConfigMap("b", ""","labels":{"x":"1","y":"3"}""", force: true);

        // x was applied with the same value: both own it. y changed: only b does.
        Same("""{"f:data":{"f:k":{}},"f:metadata":{"f:labels":{"f:x":{}}}}""", Managed(ResourceType.ConfigMap, "c", "a"));
        Same("""{"f:data":{"f:k":{}},"f:metadata":{"f:labels":{"f:x":{},"f:y":{}}}}""", Managed(ResourceType.ConfigMap, "c", "b"));
    }

    [Fact]
    public async Task Prune_removes_a_map_it_empties()
    {
        await ApplyConfigMap("a", ""","annotations":{"note":"1"}""");
        await ApplyConfigMap("a", "");
        Assert.Null(Cluster.Server.Store.Read(ResourceType.ConfigMap, "factory-a", "c")!["metadata"]!["annotations"]);
    }

    [Fact]
    public async Task Finalizers_are_a_set_and_owner_references_a_map_keyed_by_uid()
    {
        await ApplyConfigMap("a", ""","finalizers":["example.com/a"],"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"o1","uid":"u1"}]""");
        await ApplyConfigMap("b", ""","finalizers":["example.com/b"],"ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"o2","uid":"u2"}]""");

        var metadata = Cluster.Server.Store.Read(ResourceType.ConfigMap, "factory-a", "c")!["metadata"]!;
        Assert.Equal(["example.com/a", "example.com/b"], metadata["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(["u1", "u2"], metadata["ownerReferences"]!.AsArray().Select(o => o!["uid"]!.GetValue<string>()));
        Assert.NotNull(Managed(ResourceType.ConfigMap, "c", "b")!["f:metadata"]!["f:finalizers"]!["v:\"example.com/b\""]);
        Assert.NotNull(Managed(ResourceType.ConfigMap, "c", "b")!["f:metadata"]!["f:ownerReferences"]!["k:{\"uid\":\"u2\"}"]);

        // b stops applying both: only its own set member and list item go.
        await ApplyConfigMap("b", "");
        metadata = Cluster.Server.Store.Read(ResourceType.ConfigMap, "factory-a", "c")!["metadata"]!;
        Assert.Equal(["example.com/a"], metadata["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal(["u1"], metadata["ownerReferences"]!.AsArray().Select(o => o!["uid"]!.GetValue<string>()));
    }
}
