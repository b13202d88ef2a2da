using KVEdge.Core.Actions;

namespace KVEdge.Core.Tests.Actions;

/// <summary>`kvedge restart`'s work without the CLI: KubeVirt's restart subresource and its refusals.</summary>
public sealed class RestartActionTests() : ContractClusterTest(simulate: true)
{
    [Fact]
    public async Task A_running_VM_is_restarted_once_through_the_subresource()
    {
        Assert.True((await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true))).Succeeded);
        Cluster.Server.ResetRequests();
        var result = await new RestartAction(Client).RunAsync(new RestartOptions("factory-a", "edge-01"), CancellationToken.None);
        Assert.Null(result.Failure);
        Assert.Equal(1, Cluster.Server.Simulator.Restarts);
        var request = Assert.Single(Cluster.Server.Requests);
        Assert.Equal(("PUT", "/apis/subresources.kubevirt.io/v1/namespaces/factory-a/virtualmachines/edge-01/restart"), (request.Method, request.Path));
    }

    [Fact]
    public async Task A_missing_VM_is_not_found()
    {
        var result = await new RestartAction(Client).RunAsync(new RestartOptions("factory-a", "nope"), CancellationToken.None);
        Assert.Equal(FailureKind.NotFound, result.Failure?.Kind);
    }

    [Fact]
    public async Task A_halted_VM_is_KubeVirt_refusing()
    {
        Assert.True((await Install(ClusterTestDevices.Spec().Replace("memory: 4Gi", "memory: 4Gi\n  runStrategy: Halted", StringComparison.Ordinal), ClusterTestDevices.Options())).Succeeded);
        var result = await new RestartAction(Client).RunAsync(new RestartOptions("factory-a", "edge-01"), CancellationToken.None);
        Assert.Equal(FailureKind.Refused, result.Failure?.Kind);
        Assert.Contains("RunStategy Halted does not support manual restart requests", result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_VM_whose_disks_still_import_has_a_Pending_instance_and_is_restarted_as_KubeVirt_does()
    {
        // KubeVirt creates the VMI at once; it stays Pending while a standalone DataVolume imports, so the restart
        // subresource accepts the request (202) rather than answering "VM is not running".
        Cluster.Server.Simulator.ImportStallsAt = 50;
        Assert.True((await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options())).Succeeded);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Cluster.Server.Store.Read(KVEdge.Testing.ApiServer.ResourceType.VirtualMachineInstance, "factory-a", "edge-01")?["status"]?["phase"]?.GetValue<string>() != "Pending")
        {
            Assert.True(DateTime.UtcNow < deadline, "no Pending VMI while the root disk imports");
            await Task.Delay(20);
        }

        var result = await new RestartAction(Client).RunAsync(new RestartOptions("factory-a", "edge-01"), CancellationToken.None);
        Assert.Null(result.Failure);
        Assert.Equal("Provisioning", Cluster.Server.Store.Read(KVEdge.Testing.ApiServer.ResourceType.VirtualMachine, "factory-a", "edge-01")!["status"]!["printableStatus"]!.GetValue<string>());
    }
}
