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

    [Fact]
    public async Task A_NodePort_device_is_reached_on_a_node_address_as_the_spec_user()
    {
        await InstallDevice("{type: NodePort, sshNodePort: 30022}", user: "plantops");
        var vm = Cluster.Server.Store.Read(KVEdge.Testing.ApiServer.ResourceType.VirtualMachine, "factory-a", "edge-01")!;
        Assert.Equal("plantops", vm["metadata"]!["annotations"]![DeviceAnnotations.SshUser]!.GetValue<string>());

        var ssh = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01", Identity: "/keys/edge"), CancellationToken.None);
        Assert.Null(ssh.Failure);
        Assert.Equal(["-p", "30022", "-i", "/keys/edge", "plantops@192.168.10.21"], ssh.Arguments);

        // The cloud-init Secret is never read for it: the user comes from the annotation.
        Assert.DoesNotContain(Cluster.Server.Requests, r => r.Method == "GET" && r.Path.Contains("/secrets/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task User_flag_wins_and_the_default_user_is_the_specs_default()
    {
        await InstallDevice("{type: NodePort, sshNodePort: 30022}");
        var own = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01", User: "root2"), CancellationToken.None);
        Assert.Equal("root2@192.168.10.21", own.Arguments[^1]);
        var fromSpec = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01"), CancellationToken.None);
        Assert.Equal($"{new SshSpec().User}@192.168.10.21", fromSpec.Arguments[^1]);
    }

    [Fact]
    public async Task A_ClusterIP_device_has_no_outside_endpoint_and_says_how_to_port_forward()
    {
        await InstallDevice("{type: ClusterIP}");
        var ssh = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01"), CancellationToken.None);
        Assert.Equal(FailureKind.Failed, ssh.Failure?.Kind);
        Assert.Contains("kubectl port-forward -n factory-a service/edge-01", ssh.Failure!.Message, StringComparison.Ordinal);
        Assert.Empty(ssh.Arguments);
    }

    [Fact]
    public async Task A_device_without_a_Service_is_not_found()
    {
        await InstallDevice("{type: None}");
        var ssh = await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01"), CancellationToken.None);
        Assert.Equal(FailureKind.NotFound, ssh.Failure?.Kind);
        Assert.Contains("has no Service edge-01", ssh.Failure!.Message, StringComparison.Ordinal);
    }
}
