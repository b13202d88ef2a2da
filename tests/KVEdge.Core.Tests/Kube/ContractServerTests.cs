using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using KVEdge.Testing.ApiServer;

using KVEdge.Core.Tests.Actions;

namespace KVEdge.Core.Tests.Kube;

/// <summary>The contract server's own contract, exercised through the real KubernetesClient over HTTP.</summary>
public sealed class ContractServerTests : RawContractServerTest
{

    private static V1ConfigMap ConfigMap(string name, string value = "1") =>
        new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "factory-a", Labels = new Dictionary<string, string> { ["tier"] = "edge", ["line"] = value } }, Data = new Dictionary<string, string> { ["k"] = value } }.Initialize();

    private static JsonObject Vm(string name, string runStrategy = "Always", string memory = "2Gi") => ContractCluster.Parse("""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"NAME","namespace":"factory-a"},
         "spec":{"runStrategy":"STRATEGY","template":{"spec":{"domain":{"memory":{"guest":"MEMORY"},"devices":{}}}}}}
        """.Replace("NAME", name, StringComparison.Ordinal).Replace("STRATEGY", runStrategy, StringComparison.Ordinal).Replace("MEMORY", memory, StringComparison.Ordinal));

    private Task<object> ApplyVm(JsonObject vm, string manager, bool force = false, string? dryRun = null, string? fieldValidation = null) =>
        Raw.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(vm.ToJsonString(), V1Patch.PatchType.ApplyPatch), "kubevirt.io", "v1", "factory-a",
            "virtualmachines", vm["metadata"]!["name"]!.GetValue<string>(), dryRun, manager, fieldValidation, force: force);

    private static JsonObject Json(object o) => JsonNode.Parse(((JsonElement)o).GetRawText())!.AsObject();

    private static async Task<HttpOperationException> Fails(Func<Task> call, HttpStatusCode code)
    {
        var ex = await Assert.ThrowsAsync<HttpOperationException>(call);
        Assert.Equal(code, ex.Response.StatusCode);
        return ex;
    }

    [Fact]
    public async Task Create_twice_is_409_AlreadyExists_and_a_missing_object_is_404()
    {
        await Raw.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "factory-a");
        var ex = await Fails(() => Raw.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "factory-a"), HttpStatusCode.Conflict);
        Assert.Contains("AlreadyExists", ex.Response.Content, StringComparison.Ordinal);
        await Fails(() => Raw.CoreV1.ReadNamespacedConfigMapAsync("missing", "factory-a"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_update_with_a_stale_resourceVersion_is_409_Conflict()
    {
        var created = await Raw.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "factory-a");
        created.Data["k"] = "2";
        // KubernetesClient.Aot cannot write back the fieldsV1 it read (its JSON context lacks JsonElement); the server
        // keeps managedFields on an update without them anyway.
        created.Metadata.ManagedFields = null;
        var updated = await Raw.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "factory-a");
        Assert.True(long.Parse(updated.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture) > long.Parse(created.Metadata.ResourceVersion, System.Globalization.CultureInfo.InvariantCulture));

        created.Data["k"] = "3"; // still carries the old resourceVersion
        var ex = await Fails(() => Raw.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "factory-a"), HttpStatusCode.Conflict);
        Assert.Contains("the object has been modified", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_custom_resource_update_without_resourceVersion_is_422()
    {
        await ApplyVm(Vm("vm"), "kvedge");
        // A plain PUT: the generated client cannot serialize a JSON tree under NativeAOT's source-generated contexts.
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(Raw.BaseUri, "/apis/kubevirt.io/v1/namespaces/factory-a/virtualmachines/vm"))
        {
            Content = new StringContent(Vm("vm").ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        if (Raw.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, default);
        }

        using var response = await Raw.HttpClient.SendAsync(request);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Fact]
    public async Task A_built_in_lists_items_lack_apiVersion_and_kind_and_a_custom_resources_keep_them()
    {
        // kubernetes/kubernetes#3030: the list API omits apiVersion and kind from a built-in type's items.
        await Raw.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "factory-a");
        await ApplyVm(Vm("vm"), "kvedge");

        async Task<JsonObject> Get(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Raw.BaseUri, path));
            if (Raw.Credentials is { } credentials)
            {
                await credentials.ProcessHttpRequestAsync(request, default);
            }

            using var response = await Raw.HttpClient.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        }

        var configMaps = await Get("/api/v1/namespaces/factory-a/configmaps");
        Assert.Equal("ConfigMapList", configMaps["kind"]!.GetValue<string>());
        var item = configMaps["items"]!.AsArray().Single(i => i!["metadata"]!["name"]!.GetValue<string>() == "a")!.AsObject();
        Assert.False(item.ContainsKey("kind"));
        Assert.False(item.ContainsKey("apiVersion"));
        Assert.Equal("ConfigMap", (await Get("/api/v1/namespaces/factory-a/configmaps/a"))["kind"]!.GetValue<string>());

        var vms = await Get("/apis/kubevirt.io/v1/namespaces/factory-a/virtualmachines");
        Assert.Equal("VirtualMachine", vms["items"]![0]!["kind"]!.GetValue<string>());
        Assert.Equal("kubevirt.io/v1", vms["items"]![0]!["apiVersion"]!.GetValue<string>());

        // What kvedge's own list reading makes of it: each item says what it is again.
        using var client = Cluster.Client();
        var listed = await client.ListAsync(KVEdge.Core.Kube.ClusterResource.ConfigMap, "factory-a", null, null, CancellationToken.None);
        Assert.All(listed.Items, i => Assert.Equal(("v1", "ConfigMap"), (i["apiVersion"]!.GetValue<string>(), i["kind"]!.GetValue<string>())));
    }

    [Fact]
    public async Task Apply_needs_a_field_manager_creates_with_201_and_records_ownership()
    {
        await Fails(() => Raw.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(Vm("vm").ToJsonString(), V1Patch.PatchType.ApplyPatch),
            "kubevirt.io", "v1", "factory-a", "virtualmachines", "vm"), HttpStatusCode.BadRequest);

        async Task<(HttpStatusCode Code, JsonObject Body)> Apply()
        {
            using var response = await Raw.CustomObjects.PatchNamespacedCustomObjectWithHttpMessagesAsync(
                new V1Patch(Vm("vm").ToJsonString(), V1Patch.PatchType.ApplyPatch), "kubevirt.io", "v1", "factory-a", "virtualmachines", "vm",
                fieldManager: "kvedge");
            return (response.Response.StatusCode, Json(response.Body));
        }

        var (code, created) = await Apply();
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal(HttpStatusCode.OK, (await Apply()).Code);
        var managed = created["metadata"]!["managedFields"]!.AsArray().Single()!;
        Assert.Equal("kvedge", managed["manager"]!.GetValue<string>());
        Assert.Equal("Apply", managed["operation"]!.GetValue<string>());
        Assert.NotNull(managed["fieldsV1"]!["f:spec"]!["f:runStrategy"]);
        Assert.Equal(1, created["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Applying_a_field_another_manager_owns_is_a_409_conflict_unless_forced()
    {
        await ApplyVm(Vm("vm"), "kvedge");
        await ApplyVm(Vm("vm", memory: "2Gi"), "gitops"); // same value: shared ownership, no conflict
        var ex = await Fails(() => ApplyVm(Vm("vm", runStrategy: "Halted"), "gitops"), HttpStatusCode.Conflict);
        Assert.Contains("conflict with \\u0022kvedge\\u0022", ex.Response.Content.Replace("\"", "\\u0022", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains(".spec.runStrategy", ex.Response.Content, StringComparison.Ordinal);

        var forced = Json(await ApplyVm(Vm("vm", runStrategy: "Halted"), "gitops", force: true));
        Assert.Equal("Halted", forced["spec"]!["runStrategy"]!.GetValue<string>());
        // The field moved: now kvedge's own apply conflicts.
        await Fails(() => ApplyVm(Vm("vm"), "kvedge"), HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task A_field_a_manager_stops_applying_is_removed()
    {
        var vm = Vm("vm");
        vm["metadata"]!["labels"] = new JsonObject { ["a"] = "1", ["b"] = "2" };
        await ApplyVm(vm, "kvedge");
        vm["metadata"]!["labels"]!.AsObject().Remove("b");
        var applied = Json(await ApplyVm(vm, "kvedge"));
        Assert.Null(applied["metadata"]!["labels"]!["b"]);
        Assert.Equal("1", applied["metadata"]!["labels"]!["a"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_server_dry_run_stores_nothing()
    {
        var before = Cluster.Server.Store.Version;
        await ApplyVm(Vm("vm"), "kvedge", dryRun: "All");
        Assert.Equal(before, Cluster.Server.Store.Version);
        await Fails(() => Raw.CustomObjects.GetNamespacedCustomObjectAsync("kubevirt.io", "v1", "factory-a", "virtualmachines", "vm"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_unchanged_apply_does_not_bump_resourceVersion_and_generation_counts_only_spec_changes()
    {
        var first = Json(await ApplyVm(Vm("vm"), "kvedge"));
        var again = Json(await ApplyVm(Vm("vm"), "kvedge"));
        Assert.Equal(first["metadata"]!["resourceVersion"]!.GetValue<string>(), again["metadata"]!["resourceVersion"]!.GetValue<string>());

        var labelled = Vm("vm");
        labelled["metadata"]!["labels"] = new JsonObject { ["x"] = "y" };
        Assert.Equal(1, Json(await ApplyVm(labelled, "kvedge"))["metadata"]!["generation"]!.GetValue<long>());
        var bigger = Vm("vm", memory: "4Gi");
        bigger["metadata"]!["labels"] = new JsonObject { ["x"] = "y" };
        Assert.Equal(2, Json(await ApplyVm(bigger, "kvedge"))["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Status_is_a_subresource_the_main_resource_ignores()
    {
        var vm = Vm("vm");
        vm["status"] = new JsonObject { ["ready"] = true };
        var applied = Json(await ApplyVm(vm, "kvedge"));
        Assert.Null(applied["status"]);

        var status = ContractCluster.Parse("""{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm","namespace":"factory-a"},"status":{"ready":true}}""");
        var withStatus = Json(await Raw.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch(status.ToJsonString(), V1Patch.PatchType.ApplyPatch),
            "kubevirt.io", "v1", "factory-a", "virtualmachines", "vm", fieldManager: "virt-controller"));
        Assert.True(withStatus["status"]!["ready"]!.GetValue<bool>());
        Assert.Equal(1, withStatus["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal("Always", withStatus["spec"]!["runStrategy"]!.GetValue<string>());
    }

    [Fact]
    public async Task Finalizers_hold_a_deleted_object_until_they_are_removed()
    {
        var vm = Vm("vm");
        vm["metadata"]!["finalizers"] = new JsonArray("kvedge.io/test");
        await ApplyVm(vm, "kvedge");
        await Raw.CustomObjects.DeleteNamespacedCustomObjectAsync("kubevirt.io", "v1", "factory-a", "virtualmachines", "vm");
        var deleting = Json(await Raw.CustomObjects.GetNamespacedCustomObjectAsync("kubevirt.io", "v1", "factory-a", "virtualmachines", "vm"));
        Assert.NotNull(deleting["metadata"]!["deletionTimestamp"]);

        await Raw.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch),
            "kubevirt.io", "v1", "factory-a", "virtualmachines", "vm");
        await Fails(() => Raw.CustomObjects.GetNamespacedCustomObjectAsync("kubevirt.io", "v1", "factory-a", "virtualmachines", "vm"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_lists()
    {
        await Raw.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "1"), "factory-a");
        await Raw.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b", "2"), "factory-a");
        await Raw.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c", "3"), "factory-a");
        async Task<string> Names(string? labels, string? fields = null) =>
            string.Join(",", (await Raw.CoreV1.ListNamespacedConfigMapAsync("factory-a", labelSelector: labels, fieldSelector: fields)).Items.Select(i => i.Metadata.Name));

        Assert.Equal("a,b,c", await Names("tier=edge"));
        Assert.Equal("a,c", await Names("tier=edge,line!=2"));
        Assert.Equal("b,c", await Names("line in (2,3)"));
        Assert.Equal("a", await Names("line notin (2,3)"));
        Assert.Equal("", await Names("!tier"));
        Assert.Equal("b", await Names(null, "metadata.name=b"));
    }

    [Fact]
    public async Task A_watch_sends_changes_after_its_resourceVersion_and_410_Gone_once_that_is_compacted()
    {
        await ApplyVm(Vm("vm"), "kvedge");
        var list = Json(await Raw.CustomObjects.ListNamespacedCustomObjectAsync("kubevirt.io", "v1", "factory-a", "virtualmachines"));
        var rv = list["metadata"]!["resourceVersion"]!.GetValue<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<string>();
        // The watch kvedge itself uses (KubernetesClient.Aot has none): the API server's line-per-event protocol.
        using var client = Cluster.Client();
        var watch = Task.Run(async () =>
        {
            await foreach (var e in client.WatchAsync(KVEdge.Core.Kube.ClusterResource.VirtualMachine, "factory-a", null, null, rv, cts.Token))
            {
                events.Add(e.Type);
                if (events.Count == 2)
                {
                    return;
                }
            }
        });
        await Task.Delay(100);
        await ApplyVm(Vm("vm", memory: "3Gi"), "kvedge");
        await Raw.CustomObjects.DeleteNamespacedCustomObjectAsync("kubevirt.io", "v1", "factory-a", "virtualmachines", "vm");
        await watch;
        Assert.Equal(["Modified", "Deleted"], events);

        Cluster.Server.Store.Compact();
        // A compacted resourceVersion is an ERROR event carrying a 410 Status, which ends the watch as an API error.
        var gone = await Assert.ThrowsAsync<KVEdge.Core.Kube.ClusterApiException>(async () =>
        {
            await foreach (var _ in client.WatchAsync(KVEdge.Core.Kube.ClusterResource.VirtualMachine, "factory-a", null, null, rv, cts.Token))
            {
            }
        });

        Assert.Equal(HttpStatusCode.Gone, gone.Status);
        Assert.Equal("Expired", gone.Reason);
    }

    [Fact]
    public async Task An_unknown_field_with_fieldValidation_Strict_is_422_with_the_field_named()
    {
        var vm = Vm("vm");
        vm["spec"]!["runStrategey"] = "Always";
        var ex = await Fails(() => ApplyVm(vm, "kvedge", fieldValidation: "Strict"), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("runStrategey", ex.Response.Content, StringComparison.Ordinal);
        Assert.Contains("causes", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Faults_are_injected_where_a_test_asks()
    {
        Cluster.Server.Faults.When(r => r.Method == "GET", new Fault.Status(HttpStatusCode.InternalServerError));
        await Fails(() => Raw.CoreV1.ListNamespacedConfigMapAsync("factory-a"), HttpStatusCode.InternalServerError);

        Cluster.Server.Faults.When(r => r.Method == "GET", new Fault.Throttle(7));
        var throttled = await Fails(() => Raw.CoreV1.ListNamespacedConfigMapAsync("factory-a"), HttpStatusCode.TooManyRequests);
        Assert.Equal("7", throttled.Response.Headers["Retry-After"].Single());

        Cluster.Server.Faults.When(r => r.Method == "GET", new Fault.Drop());
        await Assert.ThrowsAsync<HttpRequestException>(() => Raw.CoreV1.ListNamespacedConfigMapAsync("factory-a"));

        Cluster.Server.Faults.When(r => r.Method == "GET", new Fault.Latency(TimeSpan.FromMilliseconds(300)));
        var started = System.Diagnostics.Stopwatch.StartNew();
        await Raw.CoreV1.ListNamespacedConfigMapAsync("factory-a");
        Assert.True(started.ElapsedMilliseconds >= 250);

        await Raw.CoreV1.ListNamespacedConfigMapAsync("factory-a"); // every fault fired its one time
    }

    [Fact]
    public async Task A_request_without_the_token_is_401()
    {
        var config = Cluster.Config();
        config.AccessToken = "wrong";
        using var stranger = new k8s.Kubernetes(config);
        await Fails(() => stranger.CoreV1.ListNamespacedConfigMapAsync("factory-a"), HttpStatusCode.Unauthorized);
    }
}
