using KVEdge.Core.Actions;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Actions;

public sealed class StatusActionTests : IAsyncLifetime
{
    private ContractCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    // A running device as KubeVirt and CDI leave it, seeded straight into the store.
    private void SeedDevice(int i, string serviceType = "NodePort", string managedBy = "kvedge")
    {
        var name = $"edge-{i:D4}";
        string Fill(string json) => json
            .Replace("LABELS", """{"app.kubernetes.io/managed-by":"MANAGER","app.kubernetes.io/part-of":"kvedge","kvedge.io/device":"NAME"}""", StringComparison.Ordinal)
            .Replace("MANAGER", managedBy, StringComparison.Ordinal)
            .Replace("NAME", name, StringComparison.Ordinal)
            .Replace("NODEPORT", (30000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("IPADDR", $"10.244.{i / 250}.{(i % 250) + 1}", StringComparison.Ordinal)
            .Replace("NODE", $"node-{i % 7}", StringComparison.Ordinal)
            .Replace("SVCTYPE", serviceType, StringComparison.Ordinal);
        _cluster.Server.Seed(ContractCluster.Parse(Fill("""{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"NAME","namespace":"factory-a","labels":LABELS},"spec":{"runStrategy":"Always","template":{"spec":{"domain":{"devices":{}}}}},"status":{"printableStatus":"Running","ready":true,"conditions":[{"type":"Ready","status":"True"}]}}""")));
        _cluster.Server.Seed(ContractCluster.Parse(Fill("""{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"NAME","namespace":"factory-a","labels":LABELS},"spec":{"domain":{"devices":{}}},"status":{"phase":"Running","nodeName":"NODE","interfaces":[{"name":"default","ipAddress":"IPADDR"}],"conditions":[{"type":"Ready","status":"True"},{"type":"AgentConnected","status":"True"}]}}""")));
        _cluster.Server.Seed(ContractCluster.Parse(Fill("""{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":"NAME-root","namespace":"factory-a","labels":LABELS},"spec":{"source":{"blank":{}}},"status":{"phase":"Succeeded","progress":"100.0%"}}""")));
        _cluster.Server.Seed(ContractCluster.Parse(Fill("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"NAME","namespace":"factory-a","labels":LABELS},"spec":{"type":"SVCTYPE","ports":[{"name":"ssh","port":22,"nodePort":NODEPORT}]}}""")));
        // Its virt-launcher pod (kubevirt v1.9.0 pkg/virt-controller/services/template.go): the VMI's labels, the
        // launcher's own, and the node's address as status.hostIP.
        var uid = _cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, "factory-a", name)!["metadata"]!["uid"]!.GetValue<string>();
        _cluster.Server.Seed(ContractCluster.Parse(Fill("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"virt-launcher-NAME-x7k2p","namespace":"factory-a","labels":LABELS},"spec":{"nodeName":"NODE","containers":[{"name":"compute","image":"quay.io/kubevirt/virt-launcher:v1.9.0"}]},"status":{"phase":"Running","hostIP":"HOSTIP","podIP":"IPADDR"}}""")
            .Replace("\"kvedge.io/device\"", $"\"kubevirt.io\":\"virt-launcher\",\"kubevirt.io/created-by\":\"{uid}\",\"kvedge.io/device\"", StringComparison.Ordinal)
            .Replace("HOSTIP", $"192.168.10.{21 + (i % 7)}", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_namespace_scoped_user_gets_the_address_of_a_NodePort_device_from_its_pod_or_the_reason_it_is_missing()
    {
        // Nodes are cluster-scoped: a role bound in one namespace may not list them (403), which ended status. The
        // device's launcher pod is namespaced, and its hostIP is the node the device runs on.
        _cluster.Server.NamespaceScope = "factory-a";
        SeedDevice(5);
        using var client = _cluster.Client();
        var device = Assert.Single(await new StatusAction(client).RunAsync("factory-a", null, CancellationToken.None));
        Assert.Equal("Running", device.Status);
        Assert.Equal("192.168.10.26:30005", device.Ssh);
        Assert.Contains(_cluster.Server.Requests, r => r.Method == "GET" && r.Path == "/api/v1/nodes");
        Assert.Contains(_cluster.Server.Requests, r => r.Method == "GET" && r.Path == "/api/v1/namespaces/factory-a/pods");

        // A role without pods either: the column says why it is empty.
        _cluster.Server.Denied.Add("list pods");
        device = Assert.Single(await new StatusAction(client).RunAsync("factory-a", null, CancellationToken.None));
        Assert.Equal("Running", device.Status);
        Assert.StartsWith("NodePort 30005 on any node's address (this user may neither list nodes nor read the device's pod;", device.Ssh, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_device_the_Helm_chart_installed_is_listed_too()
    {
        // helm install overwrites app.kubernetes.io/managed-by with "Helm" on every object it creates.
        SeedDevice(3, managedBy: "Helm");
        using var client = _cluster.Client();
        var devices = await new StatusAction(client).RunAsync("factory-a", null, CancellationToken.None);
        Assert.Equal("edge-0003", Assert.Single(devices).Name);
        Assert.Single(await new StatusAction(client).RunAsync("factory-a", "edge-0003", CancellationToken.None));
    }

    [Fact]
    public async Task A_thousand_devices_take_at_most_five_requests()
    {
        for (var i = 0; i < 1000; i++)
        {
            SeedDevice(i);
        }

        using var client = _cluster.Client();
        _cluster.Server.ResetRequests();
        var devices = await new StatusAction(client).RunAsync("factory-a", null, CancellationToken.None);
        Assert.Equal(1000, devices.Count);
        // The test user is namespace-scoped: the nodes list is refused and the launcher pods answer instead, one list.
        Assert.True(_cluster.Server.Requests.Count <= 6, string.Join("\n", _cluster.Server.Requests));
        Assert.All(_cluster.Server.Requests, r => Assert.Equal("GET", r.Method));

        var d = devices.Single(x => x.Name == "edge-0257");
        Assert.Equal(("Running", true, "node-5", "10.244.1.8", "Succeeded 100.0%", "192.168.10.26:30257"), (d.Status, d.Ready, d.Node, d.Ip, d.Import, d.Ssh));
        Assert.Equal(["Ready=True", "AgentConnected=True"], d.Conditions);

        // A cluster administrator lists the nodes: five lists, a node's address.
        _cluster.Server.ClusterScope = true;
        _cluster.Server.ResetRequests();
        devices = await new StatusAction(client).RunAsync("factory-a", null, CancellationToken.None);
        Assert.True(_cluster.Server.Requests.Count <= 5, string.Join("\n", _cluster.Server.Requests));
        Assert.Equal("192.168.10.21:30257", devices.Single(x => x.Name == "edge-0257").Ssh);
    }

    [Fact]
    public async Task One_device_by_name_and_SSH_endpoints_of_each_Service_type()
    {
        SeedDevice(1, "LoadBalancer");
        SeedDevice(2, "ClusterIP");
        var lb = _cluster.Server.Store.Read(ResourceType.Service, "factory-a", "edge-0001")!;
        lb["status"] = ContractCluster.Parse("""{"loadBalancer":{"ingress":[{"ip":"203.0.113.7"}]}}""");
        _cluster.Server.Store.Commit(ResourceType.Service, lb, []);
        using var client = _cluster.Client();

        var one = await new StatusAction(client).RunAsync("factory-a", "edge-0001", CancellationToken.None);
        Assert.Equal("203.0.113.7:22", one.Single().Ssh);
        var other = await new StatusAction(client).RunAsync("factory-a", "edge-0002", CancellationToken.None);
        Assert.StartsWith("ClusterIP only: kubectl port-forward -n factory-a service/edge-0002", other.Single().Ssh, StringComparison.Ordinal);
        Assert.Empty(await new StatusAction(client).RunAsync("factory-a", "nope", CancellationToken.None));
    }

    [Fact]
    public async Task A_named_device_that_is_not_there_is_not_found()
    {
        SeedDevice(1);
        using var client = _cluster.Client();
        var found = await new StatusAction(client).RunAsync(new StatusOptions("factory-a", "edge-0001"), CancellationToken.None);
        Assert.Null(found.Failure);
        Assert.Single(found.Devices);
        var missing = await new StatusAction(client).RunAsync(new StatusOptions("factory-a", "nope"), CancellationToken.None);
        Assert.Equal(FailureKind.NotFound, missing.Failure?.Kind);
        Assert.Equal("device factory-a/nope not found (no VirtualMachine labelled kvedge.io/device=nope)", missing.Failure!.Message);
        // Every namespace is a list at the cluster scope: refused to a namespace-scoped user, as kubectl get -A is.
        var refused = await Assert.ThrowsAsync<KVEdge.Core.Kube.ClusterApiException>(() => new StatusAction(client).RunAsync(new StatusOptions(null), CancellationToken.None));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.Status);
        _cluster.Server.ClusterScope = true;
        var everywhere = await new StatusAction(client).RunAsync(new StatusOptions(null), CancellationToken.None);
        Assert.Single(everywhere.Devices);
    }
}
