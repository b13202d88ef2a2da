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
}
