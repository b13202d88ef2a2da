using KVEdge.Core.Actions;
using KVEdge.Core.Spec;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Actions;

/// <summary>`kvedge ssh`'s work without the CLI: the endpoint from the Service, the login from the VM's annotation.</summary>
public sealed class SshActionTests() : ContractClusterTest(simulate: false)
{
    private static string Device(string expose, string? user = null) => $"""
        apiVersion: kvedge.io/v1alpha1
        kind: EdgeDevice
        metadata:
          name: edge-01
          namespace: factory-a
        spec:
          ssh:
            {(user is null ? "" : $"user: {user}")}
            authorizedKeys:
              - "{TestKeys.Ed25519}"
          expose: {expose}
        """;

    private async Task InstallDevice(string expose, string? user = null) =>
        Assert.True((await Install(Device(expose, user), ClusterTestDevices.Options())).Succeeded);

    // The device's instance and its virt-launcher pod on a node (kubevirt v1.9.0 pkg/virt-controller/services/template.go).
    private void SeedRunningInstance(string hostIp)
    {
        Cluster.Server.Seed(KVEdge.Testing.ApiServer.ContractCluster.Parse("""{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"edge-01","namespace":"factory-a","labels":{"kvedge.io/device":"edge-01","app.kubernetes.io/part-of":"kvedge"}},"spec":{"domain":{"devices":{}}},"status":{"phase":"Running","nodeName":"edge-node-2"}}"""));
        var uid = Cluster.Server.Store.Read(KVEdge.Testing.ApiServer.ResourceType.VirtualMachineInstance, "factory-a", "edge-01")!["metadata"]!["uid"]!.GetValue<string>();
        Cluster.Server.Seed(KVEdge.Testing.ApiServer.ContractCluster.Parse($$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"virt-launcher-edge-01-q8zl4","namespace":"factory-a","labels":{"kvedge.io/device":"edge-01","app.kubernetes.io/part-of":"kvedge","kubevirt.io":"virt-launcher","kubevirt.io/created-by":"{{{uid}}}"}},"spec":{"nodeName":"edge-node-2","containers":[{"name":"compute","image":"quay.io/kubevirt/virt-launcher:v1.9.0"}]},"status":{"phase":"Running","hostIP":"{{{hostIp}}}"}}"""));
    }

    [Fact]
    public async Task A_NodePort_device_is_reached_on_a_node_address_as_the_spec_user()
    {
        await InstallDevice("{type: NodePort, sshNodePort: 30022}", user: "plantops");
        var vm = Cluster.Server.Store.Read(KVEdge.Testing.ApiServer.ResourceType.VirtualMachine, "factory-a", "edge-01")!;
        Assert.Equal("plantops", vm["metadata"]!["annotations"]![DeviceAnnotations.SshUser]!.GetValue<string>());

        // The test user is namespace-scoped: nodes are forbidden, and until the device runs nothing names a node.
        var ssh = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01", Identity: "/keys/edge") { Route = SshRoute.Service }, CancellationToken.None);
        Assert.Equal(FailureKind.Failed, ssh.Failure?.Kind);
        Assert.Contains("NodePort 30022 on any node's address (this user may not list nodes, and the device has no running pod to name its node;", ssh.Failure!.Message, StringComparison.Ordinal);

        // Running: its pod's hostIP is the node it runs on.
        SeedRunningInstance("192.168.10.22");
        ssh = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01", Identity: "/keys/edge") { Route = SshRoute.Service }, CancellationToken.None);
        Assert.Null(ssh.Failure);
        Assert.Equal(["-p", "30022", "-i", "/keys/edge", "--", "plantops@192.168.10.22"], ssh.Arguments);

        // A cluster administrator lists the nodes.
        Cluster.Server.ClusterScope = true;
        ssh = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01", Identity: "/keys/edge") { Route = SshRoute.Service }, CancellationToken.None);
        Assert.Null(ssh.Failure);
        Assert.Equal(["-p", "30022", "-i", "/keys/edge", "--", "plantops@192.168.10.21"], ssh.Arguments);

        // The cloud-init Secret is never read for it: the user comes from the annotation.
        Assert.DoesNotContain(Cluster.Server.Requests, r => r.Method == "GET" && r.Path.Contains("/secrets/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task User_flag_wins_and_the_default_user_is_the_specs_default()
    {
        await InstallDevice("{type: NodePort, sshNodePort: 30022}");
        Cluster.Server.ClusterScope = true;
        var own = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01", User: "root2") { Route = SshRoute.Service }, CancellationToken.None);
        Assert.Equal("root2@192.168.10.21", own.Arguments[^1]);
        var fromSpec = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01") { Route = SshRoute.Service }, CancellationToken.None);
        Assert.Equal($"{new SshSpec().User}@192.168.10.21", fromSpec.Arguments[^1]);
    }

    [Fact]
    public async Task A_ClusterIP_device_has_no_outside_endpoint_and_says_how_to_port_forward()
    {
        await InstallDevice("{type: ClusterIP}");
        var ssh = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01") { Route = SshRoute.Service }, CancellationToken.None);
        Assert.Equal(FailureKind.Failed, ssh.Failure?.Kind);
        Assert.Contains("kubectl port-forward -n factory-a service/edge-01", ssh.Failure!.Message, StringComparison.Ordinal);
        Assert.Empty(ssh.Arguments);
    }

    [Fact]
    public async Task A_device_without_a_Service_is_not_found()
    {
        await InstallDevice("{type: None}");
        var ssh = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01") { Route = SshRoute.Service }, CancellationToken.None);
        Assert.Equal(FailureKind.NotFound, ssh.Failure?.Kind);
        Assert.Contains("has no Service edge-01", ssh.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Through_the_API_server_a_running_device_is_reached_by_its_VMI_name_with_the_proxy_command()
    {
        await InstallDevice("{type: None}", user: "plantops");
        Cluster.Server.Seed(KVEdge.Testing.ApiServer.ContractCluster.Parse("""{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"edge-01","namespace":"factory-a"},"spec":{"domain":{"devices":{}}},"status":{"phase":"Running"}}"""));
        var ssh = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01") { ProxyCommand = "kvedge port-forward --stdio -n factory-a edge-01 22 # 100%", KnownHostsFile = "/home/u/.ssh/kubevirt_known_hosts", RemoteCommand = "uptime", Stdin = false }, CancellationToken.None);
        Assert.Null(ssh.Failure);
        Assert.Equal(["-o", "ProxyCommand=kvedge port-forward --stdio -n factory-a edge-01 22 # 100%%", "-o", "UserKnownHostsFile=/home/u/.ssh/kubevirt_known_hosts",
            "-o", "StrictHostKeyChecking=accept-new", "-n", "--", "plantops@vmi/edge-01.factory-a", "uptime"], ssh.Arguments);
    }

    [Fact]
    public async Task Through_the_API_server_a_device_that_is_not_running_or_not_there_is_said_before_ssh()
    {
        await InstallDevice("{type: None}");
        var options = new SshOptions("factory-a", "edge-01") { ProxyCommand = "kvedge port-forward --stdio edge-01 22" };
        var stopped = await new SshAction(Client).RunAsync(options, CancellationToken.None);
        Assert.Equal(FailureKind.Failed, stopped.Failure?.Kind);
        Assert.StartsWith("device factory-a/edge-01 is not running: its VirtualMachine has no instance", stopped.Failure!.Message, StringComparison.Ordinal);

        Cluster.Server.Seed(KVEdge.Testing.ApiServer.ContractCluster.Parse("""{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"edge-01","namespace":"factory-a"},"spec":{"domain":{"devices":{}}},"status":{"phase":"Scheduling"}}"""));
        var scheduling = await new SshAction(Client).RunAsync(options, CancellationToken.None);
        Assert.Equal("device factory-a/edge-01 is not running yet: its VirtualMachineInstance is Scheduling", scheduling.Failure?.Message);

        var missing = await new SshAction(Client).RunAsync(options with { Device = "edge-09" }, CancellationToken.None);
        Assert.Equal(FailureKind.NotFound, missing.Failure?.Kind);
    }
}
