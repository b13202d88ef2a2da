using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Actions;

/// <summary>
/// kvedge against the contract server where it answers as a real cluster does and a kind fake would not: CDI's
/// DataVolume immutability, KubeVirt's VM mutator, what a label-only change does. Each test failed before kvedge knew.
/// </summary>
public sealed class RealClusterInstallTests : ContractClusterTest
{

    private static string HttpRoot(string httpExtra, string diskExtra, string memory = "4Gi") => ClusterTestDevices.Spec(memory: memory) + $$"""

          rootDisk: {http: {url: "https://images.example.com/noble.qcow2"{{httpExtra}}}, size: 30Gi{{diskExtra}}}
        """;

    [Theory]
    [InlineData(", certConfigMap: images-ca", "")]
    [InlineData("", ", storageClassName: fast")]
    [InlineData("", ", accessMode: ReadWriteOnce")]
    [InlineData("", ", volumeMode: Filesystem")]
    public async Task Removing_an_optional_disk_field_keeps_the_DataVolume_and_applies_the_rest(string httpExtra, string diskExtra)
    {
        var first = await Install(HttpRoot(httpExtra, diskExtra), ClusterTestDevices.Options());
        Assert.True(first.Succeeded, first.Error);
        var liveSpec = Cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-01-root")!["spec"]!.ToJsonString();

        // The field is gone from the spec, and the memory changed, so the VM must still be applied.
        var second = await Install(HttpRoot("", "", memory: "6Gi"), ClusterTestDevices.Options(upgrade: true));

        Assert.True(second.Succeeded, second.Error);
        var root = second.Changes.Single(c => c.Name == "edge-01-root");
        Assert.Equal(ChangeAction.Kept, root.Action);
        Assert.Contains("immutable", root.Detail, StringComparison.Ordinal);
        Assert.Equal(ChangeAction.Configured, second.Changes.Single(c => c.Resource == ClusterResource.VirtualMachine).Action);
        Assert.Equal(liveSpec, Cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-01-root")!["spec"]!.ToJsonString());
    }

    [Fact]
    public async Task A_DataVolume_whose_metadata_alone_changed_is_applied()
    {
        await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options());
        var labelled = ClusterTestDevices.Spec().Replace("  namespace: factory-a", "  namespace: factory-a\n  labels: {site: hall-3}", StringComparison.Ordinal);
        var outcome = await Install(labelled, ClusterTestDevices.Options());
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal(ChangeAction.Configured, outcome.Changes.Single(c => c.Name == "edge-01-data").Action);
        Assert.Equal("hall-3", Cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-01-data")!["metadata"]!["labels"]!["site"]!.GetValue<string>());
    }

    [Fact]
    public async Task Memory_the_mutator_canonicalises_settles_after_one_install()
    {
        var first = await Install(ClusterTestDevices.Spec(memory: "8192Mi"), ClusterTestDevices.Options());
        Assert.True(first.Succeeded, first.Error);
        Assert.Equal("8Gi", Cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!["spec"]!["template"]!["spec"]!["domain"]!["memory"]!["guest"]!.GetValue<string>());

        Cluster.Server.ResetRequests();
        var second = await Install(ClusterTestDevices.Spec(memory: "8192Mi"), ClusterTestDevices.Options(upgrade: true, restart: true));

        Assert.True(second.Succeeded, second.Error);
        Assert.All(second.Changes, c => Assert.Equal(ChangeAction.Unchanged, c.Action));
        Assert.Empty(second.RestartReasons);
        Assert.False(second.Restarted);
        Assert.DoesNotContain(Cluster.Server.Requests, r => r.IsWrite);
    }

    [Fact]
    public async Task A_label_only_change_is_applied_without_a_restart_reason()
    {
        await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options());
        var labelled = ClusterTestDevices.Spec().Replace("  namespace: factory-a", "  namespace: factory-a\n  labels: {site: hall-3}", StringComparison.Ordinal);

        var outcome = await Install(labelled, ClusterTestDevices.Options(upgrade: true));

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Contains(outcome.Changes, c => c.Resource == ClusterResource.ConfigMap && c.Action == ChangeAction.Configured);
        Assert.Contains(outcome.Changes, c => c.Resource == ClusterResource.VirtualMachine && c.Action == ChangeAction.Configured);
        Assert.Empty(outcome.RestartReasons);
    }
}

/// <summary>KubeVirt's restart as it is: asynchronous (202, the old VMI still Ready), refused for some VMs, not idempotent.</summary>
public sealed class RealClusterRestartTests() : ContractClusterTest(simulate: true)
{

    private string? VmiUid() => Cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, "factory-a", "edge-01")?["metadata"]?["uid"]?.GetValue<string>();

    [Fact]
    public async Task Restart_with_wait_returns_only_when_a_new_instance_is_up()
    {
        Cluster.Server.Simulator.RestartGrace = TimeSpan.FromMilliseconds(800);
        Assert.True((await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true))).Succeeded);
        var before = VmiUid();

        var outcome = await Install(ClusterTestDevices.Spec(memory: "6Gi"), ClusterTestDevices.Options(upgrade: true, restart: true, wait: true));

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.True(outcome.Restarted);
        var after = Cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, "factory-a", "edge-01")!;
        Assert.NotEqual(before, after["metadata"]!["uid"]!.GetValue<string>());
        Assert.True(DeviceReadiness.HasCondition(after, "AgentConnected"));
    }

    [Fact]
    public async Task A_VM_KubeVirt_will_not_restart_gets_a_clear_message_not_a_field_conflict()
    {
        var once = ClusterTestDevices.Spec() + "\n  runStrategy: Once";
        Assert.True((await Install(once, ClusterTestDevices.Options(wait: true))).Succeeded);

        var outcome = await Install(ClusterTestDevices.Spec(memory: "6Gi") + "\n  runStrategy: Once", ClusterTestDevices.Options(upgrade: true, restart: true));

        Assert.False(outcome.Succeeded);
        Assert.False(outcome.Conflict);
        Assert.False(outcome.Restarted);
        Assert.Contains("did not restart", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("does not support manual restart requests", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("virtctl stop and virtctl start", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_halted_VM_is_not_restarted_and_says_so()
    {
        var halted = ClusterTestDevices.Spec() + "\n  runStrategy: Halted";
        Assert.True((await Install(halted, ClusterTestDevices.Options())).Succeeded);

        var outcome = await Install(ClusterTestDevices.Spec(memory: "6Gi") + "\n  runStrategy: Halted", ClusterTestDevices.Options(upgrade: true, restart: true));

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.False(outcome.Restarted);
        Assert.Contains(outcome.Notes!, n => n.Contains("is not running; the change applies when it starts", StringComparison.Ordinal));
        Assert.DoesNotContain(Cluster.Server.Requests, r => r.Path.EndsWith("/restart", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_restart_that_fails_is_not_retried()
    {
        Assert.True((await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true))).Succeeded);
        Cluster.Server.Faults.When(r => r.Path.EndsWith("/restart", StringComparison.Ordinal), new Fault.Status(System.Net.HttpStatusCode.InternalServerError), times: 5);

        var outcome = await Install(ClusterTestDevices.Spec(memory: "6Gi"), ClusterTestDevices.Options(upgrade: true, restart: true));

        Assert.False(outcome.Succeeded);
        Assert.Single(Cluster.Server.Requests, r => r.Path.EndsWith("/restart", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Wait_relists_when_a_watch_answers_503()
    {
        Cluster.Server.Faults.When(r => r.Query.Contains("watch=true", StringComparison.Ordinal), new Fault.Status(System.Net.HttpStatusCode.ServiceUnavailable, "ServiceUnavailable"), times: 3);
        var reporter = new RecordingReporter();
        var waiter = new FleetWaiter(Client, reporter) { TransientBackoff = TimeSpan.FromMilliseconds(50) };
        Cluster.Server.Simulator.Step = TimeSpan.FromMilliseconds(100);
        Assert.True((await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options())).Succeeded);

        var result = Assert.Single(await waiter.WaitAsync([new WaitTarget("factory-a", "edge-01", 2)], TimeSpan.FromSeconds(20), CancellationToken.None));

        Assert.True(result.Ready, result.Error);
        Assert.True(DeviceReadiness.HasCondition(Cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, "factory-a", "edge-01")!, "AgentConnected"));
        Assert.Contains(Cluster.Server.Requests, r => r.Query.Contains("watch=true", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Install_right_after_uninstall_waits_for_the_deletion_instead_of_calling_it_unchanged()
    {
        // The guest's shutdown outlasts the uninstall and the install's lists, however loaded the machine.
        Cluster.Server.Simulator.RestartGrace = TimeSpan.FromSeconds(2);
        Assert.True((await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true))).Succeeded);
        var uninstalled = await new UninstallAction(Client).RunAsync("factory-a", "edge-01", purge: false, DryRunMode.None, CancellationToken.None);
        Assert.True(uninstalled.Succeeded, uninstalled.Error);
        Assert.NotNull(Cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!["metadata"]!["deletionTimestamp"]);

        var reporter = new RecordingReporter();
        var options = ClusterTestDevices.Options() with { DeletionPoll = TimeSpan.FromMilliseconds(50) };
        var outcome = (await new InstallAction(Client, reporter).RunAsync(ClusterTestDevices.Render(ClusterTestDevices.Spec()), options, CancellationToken.None)).Single();

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal(ChangeAction.Created, outcome.Changes.Single(c => c.Resource == ClusterResource.VirtualMachine).Action);
        Assert.Contains(reporter.Waits, w => w.Contains("virtualmachine.kubevirt.io/edge-01 to finish deleting", StringComparison.Ordinal));
        var vm = Cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!;
        Assert.Null(vm["metadata"]!["deletionTimestamp"]);
    }

    [Fact]
    public async Task An_object_that_stays_deleted_is_reported_after_a_bounded_wait()
    {
        Assert.True((await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options())).Succeeded);
        Cluster.Server.Store.AddFinalizer(ResourceType.VirtualMachine, "factory-a", "edge-01", "example.com/hold");
        await Client.DeleteAsync(ClusterResource.VirtualMachine, "factory-a", "edge-01", dryRun: false, CancellationToken.None);

        var options = ClusterTestDevices.Options() with { DeletionWait = TimeSpan.FromMilliseconds(300), DeletionPoll = TimeSpan.FromMilliseconds(50) };
        var outcome = await Install(ClusterTestDevices.Spec(), options);

        Assert.False(outcome.Succeeded);
        Assert.Contains("virtualmachine.kubevirt.io/edge-01 is still being deleted after 300ms", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("example.com/hold", outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(outcome.Changes, c => c.Resource == ClusterResource.VirtualMachine);
    }
}
