using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KVEdge.Testing.ApiServer;

using KVEdge.Core.Tests.Actions;

namespace KVEdge.Core.Tests.Kube;

/// <summary>
/// The contract server answers as the real API server with KubeVirt's and CDI's webhooks does
/// (../shared/reference/real-cluster-behaviour.md), where a plain fake would be kinder. Each failed on the older server.
/// </summary>
public sealed class ContractServerAdmissionTests : RawContractServerTest
{

    private static JsonObject Vm(string memory, string extra = "") => ContractCluster.Parse("""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm","namespace":"factory-a"},
         "spec":{"runStrategy":"Always"EXTRA,"template":{"spec":{"domain":{"memory":{"guest":"MEMORY"},"resources":{"requests":{"memory":"MEMORY"}},"devices":{}}}}}}
        """.Replace("EXTRA", extra, StringComparison.Ordinal).Replace("MEMORY", memory, StringComparison.Ordinal));

    private static JsonObject DataVolume(string storageClass) => ContractCluster.Parse("""
        {"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":"dv","namespace":"factory-a"},
         "spec":{"source":{"blank":{}},"storage":{"storageClassName":"CLASS","resources":{"requests":{"storage":"10Gi"}}}}}
        """.Replace("CLASS", storageClass, StringComparison.Ordinal));

    private async Task<HttpOperationResponse<object>> Apply(JsonObject obj, string group, string version, string plural, string? fieldValidation = null) =>
        await Raw.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync(new V1Patch(obj.ToJsonString(), V1Patch.PatchType.ApplyPatch), group, version,
            "factory-a", plural, obj["metadata"]!["name"]!.GetValue<string>(), fieldManager: "test", fieldValidation: fieldValidation);

    [Fact]
    public async Task The_VM_mutator_stores_canonical_quantities_and_fills_the_machine_type()
    {
        await Apply(Vm("8192Mi"), "kubevirt.io", "v1", "virtualmachines");
        var stored = Cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "vm")!;
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
    public async Task The_VM_validator_admits_the_rendered_probe_and_refuses_a_probe_with_two_handlers_or_none()
    {
        // kvedge's own VM, probe and all, is admitted.
        var rendered = KVEdge.Testing.YamlToJson.ParseAll(KVEdge.Core.Tests.Rendering.RenderFixtures.RenderYaml("examples/minimal.yaml")).Single(o => (string?)o["kind"] == "VirtualMachine");
        rendered["metadata"]!["namespace"] = "factory-a";
        await Apply(rendered, "kubevirt.io", "v1", "virtualmachines");
        Assert.NotNull(Cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", rendered["metadata"]!["name"]!.GetValue<string>())!["spec"]!["template"]!["spec"]!["readinessProbe"]);

        var two = Vm("4Gi");
        two["spec"]!["template"]!["spec"]!["readinessProbe"] = JsonNode.Parse("""{"exec":{"command":["true"]},"guestAgentPing":{}}""");
        two["spec"]!["template"]!["spec"]!["livenessProbe"] = JsonNode.Parse("""{"initialDelaySeconds":5}""");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => Apply(two, "kubevirt.io", "v1", "virtualmachines"));
        Assert.Equal((HttpStatusCode)422, ex.Response.StatusCode);
        Assert.Contains("spec.template.spec.readinessProbe must have exactly one probe type set, either spec.template.spec.livenessProbe.tcpSocket, spec.template.spec.livenessProbe.exec or spec.template.spec.livenessProbe.httpGet must be set",
            ex.Response.Content, StringComparison.Ordinal);
        Assert.Null(Cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "vm"));
    }

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
        Assert.Equal("fast", Cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "dv")!["spec"]!["storage"]!["storageClassName"]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_fieldValidation_an_unknown_field_is_dropped_with_only_a_Warning_header()
    {
        var vm = Vm("2Gi", ",\"runStrategey\":\"Halted\"");
        var response = await Apply(vm, "kubevirt.io", "v1", "virtualmachines");
        Assert.Contains(response.Response.Headers.GetValues("Warning"), w => w.StartsWith("299 - ", StringComparison.Ordinal) && w.Contains("unknown field", StringComparison.Ordinal) && w.Contains("runStrategey", StringComparison.Ordinal));
        Assert.Null(Cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "vm")!["spec"]!["runStrategey"]);

        var ignored = await Apply(Vm("2Gi", ",\"other\":1"), "kubevirt.io", "v1", "virtualmachines", "Ignore");
        Assert.False(ignored.Response.Headers.Contains("Warning"));
        Assert.Null(Cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "vm")!["spec"]!["other"]);

        var strict = await Assert.ThrowsAsync<HttpOperationException>(() => Apply(Vm("2Gi", ",\"other\":1"), "kubevirt.io", "v1", "virtualmachines", "Strict"));
        Assert.Equal((HttpStatusCode)422, strict.Response.StatusCode);
        Assert.Contains("unknown field", strict.Response.Content, StringComparison.Ordinal);

        var bogus = await Assert.ThrowsAsync<HttpOperationException>(() => Apply(Vm("2Gi"), "kubevirt.io", "v1", "virtualmachines", "Loose"));
        Assert.Equal(HttpStatusCode.BadRequest, bogus.Response.StatusCode);
    }

    [Fact]
    public async Task A_dryRun_other_than_All_is_400()
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Raw.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(Vm("2Gi").ToJsonString(), V1Patch.PatchType.ApplyPatch), "kubevirt.io", "v1",
                "factory-a", "virtualmachines", "vm", dryRun: "true", fieldManager: "test"));
        Assert.Equal(HttpStatusCode.BadRequest, ex.Response.StatusCode);
        Assert.Null(Cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "vm"));
    }

    [Fact]
    public async Task Nothing_is_created_in_a_namespace_that_does_not_exist()
    {
        var vm = Vm("2Gi");
        vm["metadata"]!["namespace"] = "nowhere";
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Raw.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(vm.ToJsonString(), V1Patch.PatchType.ApplyPatch), "kubevirt.io", "v1",
                "nowhere", "virtualmachines", "vm", fieldManager: "test"));
        Assert.Equal(HttpStatusCode.NotFound, ex.Response.StatusCode);
        Assert.Equal("namespaces \"nowhere\" not found", JsonNode.Parse(ex.Response.Content)!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_protobuf_body_for_anything_but_a_Secret_is_415()
    {
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Cluster.Server.Url, "/api/v1/namespaces/factory-a/configmaps"))
        {
            Content = new ByteArrayContent([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x00]),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ContractApiServer.Token);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Plain_http_is_not_served()
    {
        using var http = new HttpClient();
        var plain = new UriBuilder(Cluster.Server.Url) { Scheme = "http" }.Uri;
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync(new Uri(plain, "/api")));
    }

    [Fact]
    public async Task A_watch_sends_DELETED_when_an_object_leaves_its_selector_and_the_initial_events_end_bookmark()
    {
        Cluster.Server.Seed(ContractCluster.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"factory-a","labels":{"tier":"edge"}},"data":{"k":"1"}}"""));
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { Timeout = TimeSpan.FromSeconds(20) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ContractApiServer.Token);
        using var stream = await http.GetStreamAsync(new Uri(Cluster.Server.Url,
            "/api/v1/namespaces/factory-a/configmaps?watch=true&labelSelector=tier%3Dedge&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=5"));
        using var reader = new StreamReader(stream);
        var added = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        Assert.Equal("ADDED", added["type"]!.GetValue<string>());
        var bookmark = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        Assert.Equal("BOOKMARK", bookmark["type"]!.GetValue<string>());
        Assert.Equal("true", bookmark["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());

        var relabelled = Cluster.Server.Store.Get(ResourceType.ConfigMap, "factory-a", "c")!;
        var next = relabelled.Object.DeepClone().AsObject();
        next["metadata"]!["labels"]!["tier"] = "cloud";
        Cluster.Server.Store.Commit(ResourceType.ConfigMap, next, relabelled.Managers);
        var deleted = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        Assert.Equal("DELETED", deleted["type"]!.GetValue<string>());
    }
}
