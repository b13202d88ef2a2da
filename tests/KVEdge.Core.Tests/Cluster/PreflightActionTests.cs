using KVEdge.Core.Cluster;
using KVEdge.Core.Spec;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Cluster;

public sealed class PreflightActionTests
{
    private static async Task<IReadOnlyList<PreflightCheck>> Run(ContractCluster cluster, params EdgeDevice[] devices)
    {
        using var client = cluster.Client();
        return await new PreflightAction(client).RunAsync("factory-a", devices, CancellationToken.None);
    }

    private static string Summary(IReadOnlyList<PreflightCheck> checks) => string.Join(", ", checks.Select(c => $"{c.Name}={c.Result}"));

    [Fact]
    public async Task A_healthy_cluster_passes_every_check()
    {
        await using var cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        var checks = await Run(cluster);
        Assert.Equal("KubeVirt=Pass, CDI=Pass, virtualization=Pass, storage class=Pass, permissions=Pass", Summary(checks));
        Assert.Equal("KubeVirt v1.9.0 Deployed", checks[0].Message);
        Assert.Equal(25, cluster.Server.Requests.Count(r => r.Path.EndsWith("selfsubjectaccessreviews", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_empty_cluster_fails_with_what_is_missing()
    {
        await using var cluster = await ContractCluster.StartAsync();
        cluster.Server.Denied.Add("delete datavolumes");
        cluster.Server.Denied.Add("update virtualmachines/restart");
        var checks = await Run(cluster);
        Assert.Equal("KubeVirt=Fail, CDI=Fail, virtualization=Fail, storage class=Fail, permissions=Fail", Summary(checks));
        Assert.Equal("KubeVirt is not installed (no KubeVirt custom resource)", checks[0].Message);
        Assert.Equal("not allowed in namespace factory-a: delete cdi.kubevirt.io/datavolumes, update subresources.kubevirt.io/virtualmachines/restart", checks[^1].Message);
    }

    [Fact]
    public async Task Old_versions_warn_and_what_a_spec_asks_for_is_checked()
    {
        await using var cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster(kubevirtVersion: "v1.2.0");
        var device = new EdgeDevice { Metadata = new() { Name = "edge-01" } };
        device.Spec.EvictionStrategy = "LiveMigrate";
        device.Spec.Expose.Type = "LoadBalancer";
        device.Spec.RootDisk.StorageClassName = "ceph-block";
        var checks = await Run(cluster, device);
        Assert.Equal("KubeVirt=Warn, CDI=Pass, virtualization=Pass, storage class=Fail, live migration storage=Fail, load balancer=Warn, permissions=Pass", Summary(checks));
        Assert.Equal("named in the spec but not in the cluster: ceph-block", checks.Single(c => c.Name == "storage class").Message);
    }
}
