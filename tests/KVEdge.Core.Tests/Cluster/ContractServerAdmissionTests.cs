using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Cluster;

/// <summary>
/// The contract server answers as the real API server with KubeVirt's and CDI's webhooks does
/// (../shared/reference/real-cluster-behaviour.md), where a plain fake would be kinder. Each failed on the older server.
/// </summary>
public sealed class ContractServerAdmissionTests : IAsyncLifetime
{
    private ContractCluster cluster = null!;
    private k8s.Kubernetes client = null!;

    public async Task InitializeAsync()
    {
        cluster = await ContractCluster.StartAsync();
        client = cluster.RawClient();
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await cluster.DisposeAsync();
    }

    private static JsonObject Vm(string memory, string extra = "") => ContractCluster.Parse("""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm","namespace":"factory-a"},
         "spec":{"runStrategy":"Always"EXTRA,"template":{"spec":{"domain":{"memory":{"guest":"MEMORY"},"resources":{"requests":{"memory":"MEMORY"}},"devices":{}}}}}}
        """.Replace("EXTRA", extra, StringComparison.Ordinal).Replace("MEMORY", memory, StringComparison.Ordinal));

    private static JsonObject DataVolume(string storageClass) => ContractCluster.Parse("""
        {"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":"dv","namespace":"factory-a"},
         "spec":{"source":{"blank":{}},"storage":{"storageClassName":"CLASS","resources":{"requests":{"storage":"10Gi"}}}}}
        """.Replace("CLASS", storageClass, StringComparison.Ordinal));

    private async Task<HttpOperationResponse<object>> Apply(JsonObject obj, string group, string version, string plural, string? fieldValidation = null) =>
        await client.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync(new V1Patch(obj.ToJsonString(), V1Patch.PatchType.ApplyPatch), group, version,
            "factory-a", plural, obj["metadata"]!["name"]!.GetValue<string>(), fieldManager: "test", fieldValidation: fieldValidation);

    [Fact]
    public async Task The_VM_mutator_stores_canonical_quantities_and_fills_the_machine_type()
    {
        await Apply(Vm("8192Mi"), "kubevirt.io", "v1", "virtualmachines");
        var stored = cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "vm")!;
        var domain = stored["spec"]!["template"]!["spec"]!["domain"]!;
        Assert.Equal("8Gi", domain["memory"]!["guest"]!.GetValue<string>());
        Assert.Equal("8Gi", domain["resources"]!["requests"]!["memory"]!.GetValue<string>());
        Assert.Equal("q35", domain["machine"]!["type"]!.GetValue<string>());
        Assert.Equal("amd64", stored["spec"]!["template"]!["spec"]!["architecture"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("8192Mi", "8Gi")]
    [InlineData("4096Mi", "4Gi")]
    [InlineData("1536Mi", "1536Mi")]
    [InlineData("4Gi", "4Gi")]
    [InlineData("0.5Gi", "512Mi")]
    [InlineData("2000M", "2G")]
    [InlineData("1500M", "1500M")]
    public void Quantities_canonicalise_as_apimachinery_does(string given, string canonical) =>
        Assert.Equal(canonical, Admission.Canonical(given));

    [Fact]
    public async Task A_DataVolume_spec_change_is_refused_by_the_CDI_webhook_and_metadata_alone_is_not()
    {
        await Apply(DataVolume("fast"), "cdi.kubevirt.io", "v1beta1", "datavolumes");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Apply(DataVolume("slow"), "cdi.kubevirt.io", "v1beta1", "datavolumes"));
        Assert.Equal((HttpStatusCode)422, ex.Response.StatusCode);
        Assert.Contains("Cannot update DataVolume Spec", ex.Response.Content, StringComparison.Ordinal);

        // Stopping to send a field prunes it: a spec change too.
        var pruned = DataVolume("fast");
        pruned["spec"]!["storage"]!.AsObject().Remove("storageClassName");
        await Assert.ThrowsAsync<HttpOperationException>(() => Apply(pruned, "cdi.kubevirt.io", "v1beta1", "datavolumes"));

        var labelled = DataVolume("fast");
        labelled["metadata"]!["labels"] = new JsonObject { ["site"] = "hall-3" };
        await Apply(labelled, "cdi.kubevirt.io", "v1beta1", "datavolumes");
        Assert.Equal("fast", cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "dv")!["spec"]!["storage"]!["storageClassName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_fieldValidation_an_unknown_field_is_dropped_with_only_a_Warning_header()
    {
        var vm = Vm("2Gi", ",\"runStrategey\":\"Halted\"");
        var response = await Apply(vm, "kubevirt.io", "v1", "virtualmachines");
        Assert.Contains(response.Response.Headers.GetValues("Warning"), w => w.StartsWith("299 - ", StringComparison.Ordinal) && w.Contains("unknown field", StringComparison.Ordinal) && w.Contains("runStrategey", StringComparison.Ordinal));
        Assert.Null(cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "vm")!["spec"]!["runStrategey"]);

        var ignored = await Apply(Vm("2Gi", ",\"other\":1"), "kubevirt.io", "v1", "virtualmachines", "Ignore");
        Assert.False(ignored.Response.Headers.Contains("Warning"));
        Assert.Null(cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "vm")!["spec"]!["other"]);

        var strict = await Assert.ThrowsAsync<HttpOperationException>(() => Apply(Vm("2Gi", ",\"other\":1"), "kubevirt.io", "v1", "virtualmachines", "Strict"));
        Assert.Equal((HttpStatusCode)422, strict.Response.StatusCode);
        Assert.Contains("unknown field", strict.Response.Content, StringComparison.Ordinal);

        var bogus = await Assert.ThrowsAsync<HttpOperationException>(() => Apply(Vm("2Gi"), "kubevirt.io", "v1", "virtualmachines", "Loose"));
        Assert.Equal(HttpStatusCode.BadRequest, bogus.Response.StatusCode);
    }
}
