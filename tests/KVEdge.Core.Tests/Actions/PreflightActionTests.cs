using KVEdge.Core.Actions;
using KVEdge.Core.Spec;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Actions;

public sealed class PreflightActionTests
{
    // Preflight reads the cluster itself (the KubeVirt and CDI CRs, nodes, storage classes), so these tests run as a
    // cluster administrator would; what a namespace-scoped user (every other test's default) gets is its own test.
    private static async Task<ContractCluster> StartAsAdministrator()
    {
        var cluster = await ContractCluster.StartAsync();
        cluster.Server.ClusterScope = true;
        return cluster;
    }

    private static async Task<IReadOnlyList<PreflightCheck>> Run(ContractCluster cluster, params EdgeDevice[] devices)
    {
        using var client = cluster.Client();
        var result = await new PreflightAction(client).RunAsync(new PreflightOptions("factory-a", devices), CancellationToken.None);
        // The action fails exactly when a row does, and names those rows.
        var failed = result.Checks.Where(c => c.Result == CheckResult.Fail).Select(c => c.Name).ToList();
        Assert.Equal(failed.Count == 0 ? null : $"failed: {string.Join(", ", failed)}", result.Failure?.Message);
        return result.Checks;
    }

    private static string Summary(IReadOnlyList<PreflightCheck> checks) => string.Join(", ", checks.Select(c => $"{c.Name}={c.Result}"));

    [Fact]
    public async Task A_healthy_cluster_passes_every_check()
    {
        await using var cluster = (await StartAsAdministrator()).SeedHealthyCluster();
        var checks = await Run(cluster);
        Assert.Equal("KubeVirt=Pass, CDI=Pass, virtualization=Pass, storage class=Pass, permissions=Pass", Summary(checks));
        Assert.Equal("KubeVirt v1.9.0 Deployed", checks[0].Message);
        Assert.Equal(33, cluster.Server.Requests.Count(r => r.Path.EndsWith("selfsubjectaccessreviews", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_empty_cluster_fails_with_what_is_missing()
    {
        await using var cluster = await StartAsAdministrator();
        cluster.Server.Denied.Add("delete datavolumes");
        cluster.Server.Denied.Add("update virtualmachines/restart");
        var checks = await Run(cluster);
        Assert.Equal("KubeVirt=Fail, CDI=Fail, virtualization=Fail, storage class=Fail, permissions=Fail", Summary(checks));
        Assert.Equal("KubeVirt is not installed (no KubeVirt custom resource)", checks[0].Message);
        Assert.Equal("not allowed in namespace factory-a: delete cdi.kubevirt.io/datavolumes, update subresources.kubevirt.io/virtualmachines/restart", checks[^1].Message);
    }

    [Fact]
    public async Task A_user_without_create_fails_the_permissions_check_and_cannot_install()
    {
        await using var cluster = (await StartAsAdministrator()).SeedHealthyCluster();
        cluster.Server.Denied.Add("create virtualmachines");
        var checks = await Run(cluster);
        Assert.Equal("not allowed in namespace factory-a: create kubevirt.io/virtualmachines", checks.Single(c => c.Name == "permissions").Message);

        // What preflight warned about is what install meets: server-side apply that creates needs create too.
        using var client = cluster.Client();
        var outcome = (await new InstallAction(client, new RecordingReporter()).RunAsync(ClusterTestDevices.Render(ClusterTestDevices.Spec()), ClusterTestDevices.Options(), CancellationToken.None)).Single();
        Assert.False(outcome.Succeeded);
        Assert.Contains("cannot create resource \"virtualmachines\"", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_namespace_scoped_user_gets_the_whole_table()
    {
        await using var cluster = (await StartAsAdministrator()).SeedHealthyCluster();
        cluster.Server.NamespaceScope = "factory-a";
        var device = Device("edge-01", configure: s => s.Expose.Type = "LoadBalancer");
        var checks = await Run(cluster, device);
        Assert.Equal("KubeVirt=Warn, CDI=Warn, virtualization=Warn, storage class=Warn, load balancer=Warn, permissions=Pass", Summary(checks));
        Assert.StartsWith("cannot read the KubeVirt CR: forbidden for this user", checks[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_without_the_KubeVirt_and_CDI_CRDs_gets_the_whole_table()
    {
        await using var cluster = await StartAsAdministrator();
        cluster.Server.UnservedGroups.UnionWith(["kubevirt.io", "cdi.kubevirt.io"]);
        var checks = await Run(cluster, Device("edge-01", configure: s => s.EvictionStrategy = "LiveMigrate"));
        Assert.Equal("KubeVirt=Fail, CDI=Fail, virtualization=Fail, storage class=Fail, live migration storage=Fail, permissions=Pass", Summary(checks));
        Assert.Equal("KubeVirt is not installed: the cluster does not serve its API (no KubeVirt CRDs)", checks[0].Message);
        Assert.Equal("CDI is not installed: the cluster does not serve its API (no CDI CRDs)", checks[1].Message);
    }

    [Fact]
    public async Task Old_versions_warn_and_what_a_spec_asks_for_is_checked()
    {
        await using var cluster = (await StartAsAdministrator()).SeedHealthyCluster(kubevirtVersion: "v1.2.0");
        var device = new EdgeDevice { Metadata = new() { Name = "edge-01" } };
        device.Spec.EvictionStrategy = "LiveMigrate";
        device.Spec.Expose.Type = "LoadBalancer";
        device.Spec.RootDisk.StorageClassName = "ceph-block";
        var checks = await Run(cluster, device);
        Assert.Equal("KubeVirt=Warn, CDI=Pass, virtualization=Pass, storage class=Fail, live migration storage=Fail, load balancer=Warn, permissions=Pass", Summary(checks));
        Assert.Equal("named in the spec but not in the cluster: ceph-block", checks.Single(c => c.Name == "storage class").Message);
    }

    private static EdgeDevice Device(string name, string? ns = null, Action<EdgeDeviceSpec>? configure = null)
    {
        var device = new EdgeDevice { Metadata = new() { Name = name, Namespace = ns } };
        configure?.Invoke(device.Spec);
        return device;
    }

    private static EdgeDevice TpmDevice() =>
        Device("edge-tpm", configure: s => s.IotEdge = new IotEdgeSpec { Provisioning = new ProvisioningSpec { Source = "dps", Method = "tpm" } });

    [Fact]
    public async Task Permissions_are_checked_in_every_namespace_a_fleet_goes_to()
    {
        await using var cluster = (await StartAsAdministrator()).SeedHealthyCluster();
        cluster.Server.Denied.Add("delete datavolumes in factory-b");
        cluster.Server.Denied.Add("patch secrets in factory-b");
        var checks = await Run(cluster, Device("edge-01"), Device("edge-02", "factory-b"), Device("edge-03", "factory-b"));
        var permissions = checks.Single(c => c.Name == "permissions");
        Assert.Equal(CheckResult.Fail, permissions.Result);
        Assert.Equal("not allowed in namespace factory-b: patch secrets, delete cdi.kubevirt.io/datavolumes", permissions.Message);
        Assert.Equal(66, cluster.Server.Requests.Count(r => r.Path.EndsWith("selfsubjectaccessreviews", StringComparison.Ordinal)));

        var allowed = await Run(cluster, Device("edge-01"));
        Assert.Equal("everything install, status, uninstall and restart need in namespace factory-a", allowed.Single(c => c.Name == "permissions").Message);
    }

    [Theory]
    [InlineData("v1.9.0", """{"developerConfiguration":{"featureGates":["VMPersistentState"]}}""", CheckResult.Pass)]
    // GA from v1.6.0 (kubevirt/kubevirt pkg/virt-config/featuregate/inactive.go): always on, whatever the CR lists.
    [InlineData("v1.9.0", "{}", CheckResult.Pass)]
    [InlineData("v1.6.0", "{}", CheckResult.Pass)]
    [InlineData("v1.9.0", """{"developerConfiguration":{"disabledFeatureGates":["VMPersistentState"]}}""", CheckResult.Pass)]
    [InlineData("v1.5.2", """{"developerConfiguration":{"featureGates":["VMPersistentState"]}}""", CheckResult.Pass)]
    [InlineData("v1.5.2", """{"developerConfiguration":{"featureGates":["LiveMigration"]}}""", CheckResult.Fail)]
    [InlineData("v1.5.2", """{"developerConfiguration":{"disabledFeatureGates":["VMPersistentState"]}}""", CheckResult.Fail)]
    public async Task A_TPM_device_needs_KubeVirt_persistent_state(string version, string configuration, CheckResult expected)
    {
        await using var cluster = (await StartAsAdministrator()).SeedHealthyCluster(kubevirtVersion: version, kubevirtConfiguration: configuration);
        var check = (await Run(cluster, TpmDevice())).Single(c => c.Name == "persistent vTPM");
        Assert.Equal(expected, check.Result);
        Assert.Contains("VMPersistentState", check.Message, StringComparison.Ordinal);

        Assert.DoesNotContain(await Run(cluster, Device("edge-01")), c => c.Name == "persistent vTPM");
    }

    [Fact]
    public async Task The_virtualization_default_class_counts_before_the_clusters_default()
    {
        await using var cluster = (await StartAsAdministrator()).SeedHealthyCluster();
        cluster.Server.Seed(ContractCluster.Parse("""{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"ceph-rbd-virt","annotations":{"storageclass.kubevirt.io/is-default-virt-class":"true"}},"provisioner":"rbd.csi.ceph.com"}"""));
        var check = (await Run(cluster)).Single(c => c.Name == "storage class");
        Assert.Equal(CheckResult.Pass, check.Result);
        Assert.StartsWith("default for virtualization: ceph-rbd-virt (storageclass.kubevirt.io/is-default-virt-class", check.Message, StringComparison.Ordinal);

        // Live migration is then checked on that class (which has no StorageProfile offering ReadWriteMany), not local-path.
        var migrating = Device("edge-01", configure: s => s.EvictionStrategy = "LiveMigrate");
        var rwx = (await Run(cluster, migrating)).Single(c => c.Name == "live migration storage");
        Assert.Equal(CheckResult.Fail, rwx.Result);
        Assert.Contains("ceph-rbd-virt", rwx.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Live_migration_checks_the_class_of_every_disk_that_must_migrate()
    {
        await using var cluster = (await StartAsAdministrator()).SeedHealthyCluster();
        cluster.Server.Seed(ContractCluster.Parse("""{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"ceph-rbd"},"provisioner":"rbd.csi.ceph.com"}"""));
        cluster.Server.Seed(ContractCluster.Parse("""{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"StorageProfile","metadata":{"name":"ceph-rbd"},"spec":{},"status":{"claimPropertySets":[{"accessModes":["ReadWriteOnce"],"volumeMode":"Block"}]}}"""));

        var onDefault = await Run(cluster, Device("edge-01", configure: s => s.EvictionStrategy = "LiveMigrate"));
        Assert.Equal("ReadWriteMany offered by local-path", onDefault.Single(c => c.Name == "live migration storage").Message);

        var dataOnRbd = await Run(cluster, Device("edge-01", configure: s =>
        {
            s.EvictionStrategy = "LiveMigrate";
            s.DataDisk.StorageClassName = "ceph-rbd";
        }));
        var check = dataOnRbd.Single(c => c.Name == "live migration storage");
        Assert.Equal(CheckResult.Fail, check.Result);
        Assert.Equal("live migration needs ReadWriteMany disks; the CDI StorageProfile of ceph-rbd offers none", check.Message);
    }
}
