using KVEdge.Core.Actions;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Actions;

/// <summary>
/// A device's Service reaches it only while its VM is Ready: the simulator's EndpointSlice (the controller's, per the
/// Service's selector) has the VM's pod ready only while the readinessProbe passes, and kvedge says so before ssh
/// waits on a port that leads nowhere, naming the API server's route, which does not need the Service.
/// </summary>
public sealed class ServiceEndpointTests() : ContractClusterTest(simulate: true)
{
    private static readonly string Spec = ClusterTestDevices.Spec();

    private Task<SshResult> ViaService() => new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01") { Route = SshRoute.Service }, CancellationToken.None);

    private async Task<bool> EndpointReady(bool ready)
    {
        for (var i = 0; i < 100; i++)
        {
            if (Cluster.Server.Store.Read(ResourceType.EndpointSlice, "factory-a", "edge-01-kvsim")?["endpoints"]?[0]?["conditions"]?["ready"]?.GetValue<bool>() == ready)
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    [Fact]
    public async Task A_VM_that_is_not_Ready_has_no_ready_endpoint_and_ssh_via_service_says_so()
    {
        Assert.True((await Install(Spec, ClusterTestDevices.Options(wait: true))).Succeeded);
        Assert.True(await EndpointReady(true));
        var slice = Cluster.Server.Store.Read(ResourceType.EndpointSlice, "factory-a", "edge-01-kvsim")!;
        Assert.Empty(SchemaValidator.Validate(slice));
        // The VMI's virt-launcher pod (which a namespace-scoped user reads for the node's address) is a valid Pod.
        var pod = Assert.Single(Cluster.Server.Store.List(ResourceType.Pod, "factory-a"));
        Assert.Empty(SchemaValidator.Validate(pod));
        Assert.Equal("virt-launcher", pod["metadata"]!["labels"]!["kubevirt.io"]!.GetValue<string>());
        Assert.Equal("192.168.10.21", pod["status"]!["hostIP"]!.GetValue<string>());
        Assert.Equal("edge-01", slice["metadata"]!["labels"]!["kubernetes.io/service-name"]!.GetValue<string>());
        Assert.Null((await ViaService()).Failure);

        // The guest's health program fails: the VMI is not Ready, and neither is its pod's endpoint.
        Cluster.Server.Simulator.SetGuestHealthy("factory-a", "edge-01", false);
        Assert.True(await EndpointReady(false));
        var refused = await ViaService();
        Assert.Equal(FailureKind.Failed, refused.Failure?.Kind);
        Assert.Contains("the Service edge-01 has no ready endpoint: the VM is not Ready", refused.Failure!.Message, StringComparison.Ordinal);
        Assert.Contains("kvedge health edge-01 -n factory-a", refused.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("kvedge ssh edge-01 -n factory-a (without --via service)", refused.Failure.Message, StringComparison.Ordinal);
        Assert.Null((await new SshAction(Client).RunAsync(new SshOptions("factory-a", "edge-01") { ProxyCommand = "kvedge port-forward --stdio edge-01 22" }, CancellationToken.None)).Failure);

        var status = Assert.Single(await new StatusAction(Client).RunAsync("factory-a", "edge-01", CancellationToken.None));
        Assert.Equal("192.168.10.21:30022 (no ready endpoint until the VM is Ready; kvedge ssh goes through the API server)", status.Ssh);

        Cluster.Server.Simulator.SetGuestHealthy("factory-a", "edge-01", true);
        Assert.True(await EndpointReady(true));
        Assert.Null((await ViaService()).Failure);
    }
}
