using System.Net;
using System.Text.Json.Nodes;
using k8s;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Actions;

public sealed class InstallActionTests : IAsyncLifetime
{
    private ContractCluster _cluster = null!;
    private KubernetesClusterClient _client = null!;

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _client = _cluster.Client();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _cluster.DisposeAsync();
    }

    private async Task<(DeviceOutcome Outcome, RecordingReporter Reporter)> Install(string spec, InstallOptions options)
    {
        var reporter = new RecordingReporter();
        var outcomes = await new InstallAction(_client, reporter).RunAsync(ClusterTestDevices.Render(spec), options, CancellationToken.None);
        return (outcomes.Single(), reporter);
    }

    private static string Verbs(DeviceOutcome o) => string.Join(" ", o.Changes.Select(c => $"{c.Resource.Kind}:{c.Verb}"));

    [Fact]
    public async Task Install_creates_every_object_with_field_manager_kvedge()
    {
        var (outcome, _) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options());
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal("Secret:created Secret:created ConfigMap:created DataVolume:created DataVolume:created VirtualMachine:created Service:created", Verbs(outcome));
        var applies = _cluster.Server.Requests.Where(r => r.Method == "PATCH").ToList();
        Assert.Equal(7, applies.Count);
        Assert.All(applies, r => Assert.Contains("fieldManager=kvedge", r.Query, StringComparison.Ordinal));
        Assert.All(applies, r => Assert.DoesNotContain("force=true", r.Query, StringComparison.Ordinal));
        var vm = _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!;
        Assert.Equal("kvedge", vm["metadata"]!["managedFields"]![0]!["manager"]!.GetValue<string>());
        Assert.StartsWith("sha256:", vm["metadata"]!["annotations"]![AppliedHash.Annotation]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kubevirt.io", "virtualmachines.kubevirt.io/v1: KubeVirt is not installed")]
    [InlineData("cdi.kubevirt.io", "datavolumes.cdi.kubevirt.io/v1beta1: CDI is not installed")]
    public async Task A_cluster_without_KubeVirt_or_CDI_gets_nothing_applied_and_is_told_what_is_missing(string group, string said)
    {
        // The API server answers a LIST of a kind it does not serve with 404; a Secret and a ConfigMap were applied
        // before the first DataVolume failed with a bare 404.
        _cluster.Server.UnservedGroups.Add(group);
        _cluster.Server.ResetRequests();
        var failure = await Assert.ThrowsAsync<ClusterApiException>(() => Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options()));
        Assert.Contains(said, failure.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was applied. Run `kvedge preflight`", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.IsWrite);
    }

    [Fact]
    public async Task Reinstalling_an_unchanged_device_makes_zero_write_requests()
    {
        await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options());
        _cluster.Server.ResetRequests();
        var (outcome, _) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options());
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.All(outcome.Changes, c => Assert.Equal(ChangeAction.Unchanged, c.Action));
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.IsWrite);
        Assert.Equal(5, _cluster.Server.Requests.Count); // one LIST per kind, nothing else
    }

    [Fact]
    public async Task Upgrade_applies_only_what_changed_and_reports_that_the_VM_needs_a_restart()
    {
        await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options());
        var (outcome, _) = await Install(ClusterTestDevices.Spec(memory: "6Gi"), ClusterTestDevices.Options(upgrade: true));
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal("Secret:unchanged Secret:unchanged ConfigMap:unchanged DataVolume:unchanged DataVolume:unchanged VirtualMachine:configured Service:unchanged", Verbs(outcome));
        Assert.True(outcome.RestartNeeded);
        Assert.False(outcome.Restarted);
        Assert.Equal(0, _cluster.Server.Simulator.Restarts);
        Assert.Equal("6Gi", _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!["spec"]!["template"]!["spec"]!["domain"]!["memory"]!["guest"]!.GetValue<string>());
    }

    // The test device with extra spec.iotEdge fields, at the indentation of its provisioning line.
    private static string Pinned(params string[] fields)
    {
        var spec = ClusterTestDevices.Spec();
        var line = spec.Split('\n').Single(l => l.TrimStart().StartsWith("provisioning:", StringComparison.Ordinal));
        var indent = line[..(line.Length - line.TrimStart().Length)];
        return spec.Replace(line, string.Concat(fields.Select(f => indent + f + "\n")) + line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_changed_config_disk_needs_a_restart_too_and_a_new_device_does_not()
    {
        var (created, _) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options());
        Assert.False(created.RestartNeeded);

        // A new IoT Edge pin lives in the config disk (kvedge.env); the VM template's spec stays as it was, and only the
        // device's revision on the template's metadata changes (what the next instance will carry, for a rollout).
        var before = _cluster.Server.Store.Read(KVEdge.Testing.ApiServer.ResourceType.VirtualMachine, "factory-a", "edge-01")!;
        var (outcome, _) = await Install(Pinned("version: 1.5.21"), ClusterTestDevices.Options(upgrade: true));
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal("Secret:unchanged Secret:unchanged ConfigMap:configured DataVolume:unchanged DataVolume:unchanged VirtualMachine:configured Service:unchanged", Verbs(outcome));
        var after = _cluster.Server.Store.Read(KVEdge.Testing.ApiServer.ResourceType.VirtualMachine, "factory-a", "edge-01")!;
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(before["spec"]!["template"]!["spec"], after["spec"]!["template"]!["spec"]));
        Assert.NotEqual(RolloutMarks.RevisionOf(before), RolloutMarks.RevisionOf(after));
        Assert.Equal(["configmap/edge-01-config changed, and the guest reads that disk only at boot"], outcome.RestartReasons);

        // Restarting needs a running VM: bring it up first.
        _cluster.Server.Simulator.Start();
        var (running, _) = await Install(Pinned("version: 1.5.21"), ClusterTestDevices.Options(wait: true));
        Assert.True(running.Succeeded, running.Error);
        var (restarted, _) = await Install(Pinned("version: 1.5.20", "identityServiceVersion: 1.5.6"), ClusterTestDevices.Options(upgrade: true, restart: true));
        Assert.True(restarted.Restarted, restarted.Error);
        Assert.Equal(1, _cluster.Server.Simulator.Restarts);
    }

    [Fact]
    public async Task Upgrade_with_restart_calls_the_restart_subresource()
    {
        _cluster.Server.Simulator.Start();
        await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true));
        var (outcome, _) = await Install(ClusterTestDevices.Spec(memory: "6Gi"), ClusterTestDevices.Options(upgrade: true, restart: true));
        Assert.True(outcome.Restarted, outcome.Error);
        Assert.Equal(1, _cluster.Server.Simulator.Restarts);
        Assert.Contains(_cluster.Server.Requests, r => r is { Method: "PUT", Path: "/apis/subresources.kubevirt.io/v1/namespaces/factory-a/virtualmachines/edge-01/restart" });
    }

    [Fact]
    public async Task Upgrade_of_a_device_that_is_not_installed_fails_without_writing()
    {
        var (outcome, _) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(upgrade: true));
        Assert.Contains("is not installed", outcome.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.IsWrite);
    }

    [Fact]
    public async Task An_edit_by_someone_else_is_noticed_reported_as_a_conflict_and_repaired_with_force()
    {
        await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options());
        using var raw = _cluster.RawClient();
        await raw.CustomObjects.PatchNamespacedCustomObjectAsync(new k8s.Models.V1Patch("""{"spec":{"runStrategy":"Halted"}}""", k8s.Models.V1Patch.PatchType.MergePatch),
            "kubevirt.io", "v1", "factory-a", "virtualmachines", "edge-01", fieldManager: "kubectl-edit");
        // The annotation still matches, but the live object drifted: not "unchanged". The editor now owns the field, so
        // (as with kubectl apply --server-side) taking it back needs --force-conflicts.
        var (noticed, _) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options());
        Assert.True(noticed.Conflict);
        Assert.Contains("conflict with \"kubectl-edit\"", noticed.Error, StringComparison.Ordinal);
        var (outcome, _) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(force: true));
        Assert.Equal(ChangeAction.Configured, outcome.Changes.Single(c => c.Resource == ClusterResource.VirtualMachine).Action);
        Assert.Equal("Always", _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!["spec"]!["runStrategy"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_field_owned_by_another_manager_is_a_conflict_until_forced()
    {
        await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options());
        using var raw = _cluster.RawClient();
        var gitops = JsonNode.Parse("""{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"edge-01","namespace":"factory-a"},"spec":{"runStrategy":"Manual"}}""")!;
        await raw.CustomObjects.PatchNamespacedCustomObjectAsync(new k8s.Models.V1Patch(gitops.ToJsonString(), k8s.Models.V1Patch.PatchType.ApplyPatch),
            "kubevirt.io", "v1", "factory-a", "virtualmachines", "edge-01", fieldManager: "flux", force: true);

        var (conflicted, _) = await Install(ClusterTestDevices.Spec(memory: "6Gi"), ClusterTestDevices.Options());
        Assert.True(conflicted.Conflict);
        Assert.Contains("--force-conflicts", conflicted.Error, StringComparison.Ordinal);
        Assert.Contains(".spec.runStrategy", conflicted.Error, StringComparison.Ordinal);

        var (forced, _) = await Install(ClusterTestDevices.Spec(memory: "6Gi"), ClusterTestDevices.Options(force: true));
        Assert.True(forced.Succeeded, forced.Error);
        Assert.Equal("Always", _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!["spec"]!["runStrategy"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_server_dry_run_validates_and_stores_nothing()
    {
        var (outcome, _) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(dryRun: DryRunMode.Server));
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.All(outcome.Changes, c => Assert.Equal("server dry run", c.Detail));
        var applies = _cluster.Server.Requests.Where(r => r.Method == "PATCH").ToList();
        Assert.Equal(7, applies.Count);
        Assert.All(applies, r => Assert.True(r.DryRun));
        Assert.Null(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));
    }

    [Fact]
    public async Task A_changed_disk_size_keeps_the_DataVolume_as_it_is()
    {
        await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options());
        var (outcome, _) = await Install(ClusterTestDevices.Spec() + "\n  dataDisk: {size: 200Gi}", ClusterTestDevices.Options());
        var data = outcome.Changes.Single(c => c.Name == "edge-01-data");
        Assert.Equal(ChangeAction.Kept, data.Action);
        Assert.Contains("immutable", data.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_stops_at_once_with_the_reason_when_the_cluster_refuses_to_list_what_it_watches()
    {
        // A user allowed to apply but not to list VMIs (a namespaced Role without them): the wait cannot ever see the
        // device run, so it says why now instead of at the deadline.
        _cluster.Server.Faults.When(r => r.Method == "GET" && r.Path.EndsWith("/virtualmachineinstances", StringComparison.Ordinal) && !r.IsWatch,
            new Fault.Status(HttpStatusCode.Forbidden, "Forbidden"), times: 100);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (outcome, _) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true, timeout: TimeSpan.FromSeconds(60)));
        Assert.False(outcome.Succeeded);
        Assert.False(outcome.TimedOut);
        Assert.Contains("cannot list", outcome.Error, StringComparison.Ordinal);
        Assert.Contains("factory-a", outcome.Error, StringComparison.Ordinal);
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Wait_follows_the_import_then_Ready_then_the_guest_agent()
    {
        _cluster.Server.Simulator.Step = TimeSpan.FromMilliseconds(200);
        _cluster.Server.Simulator.Start();
        var (outcome, reporter) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true));
        Assert.True(outcome.Succeeded, outcome.Error);
        // Then IoT Edge's health, for as long as the probe's first run is still to come after the agent connected.
        Assert.Equal(["edge-01: the DataVolumes to import", "edge-01: the VirtualMachineInstance to be Running", "edge-01: " + AgentStage], reporter.Waits.Take(3));
        Assert.True(reporter.Waits.Skip(3).SequenceEqual([]) || reporter.Waits.Skip(3).SequenceEqual(["edge-01: " + HealthyStage]), string.Join("\n", reporter.Waits));
        Assert.Empty(reporter.Warnings);
        var root = reporter.Progress.Where(p => p.StartsWith("edge-01-root", StringComparison.Ordinal)).Select(p => p.Split(' ')[1]).ToList();
        Assert.Equal("100.0%", root[^1]);
        Assert.Contains(root, p => p.EndsWith('%') && p != "100.0%"); // seen while importing, not only at the end
        var percents = root.Where(p => p.EndsWith('%')).Select(p => double.Parse(p.TrimEnd('%'), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(percents.Order(), percents);
    }

    [Fact]
    public async Task Wait_survives_dropped_watches_and_an_expired_resourceVersion()
    {
        _cluster.Server.Simulator.Step = TimeSpan.FromMilliseconds(150);
        _cluster.Server.Simulator.Start();
        var install = Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true));
        await Task.Delay(250);
        _cluster.Server.Store.Compact();
        _cluster.Server.Store.DropWatches();
        await Task.Delay(300);
        _cluster.Server.Store.DropWatches();
        var (outcome, _) = await install;
        Assert.True(outcome.Succeeded, outcome.Error);
    }

    [Fact]
    public async Task Wait_times_out_when_the_guest_agent_never_connects()
    {
        _cluster.Server.Simulator.AgentNeverConnects = true;
        _cluster.Server.Simulator.Start();
        var options = ClusterTestDevices.Options(wait: true, timeout: TimeSpan.FromSeconds(3)) with { AgentWarningAfter = TimeSpan.FromMilliseconds(500) };
        var (outcome, reporter) = await Install(ClusterTestDevices.Spec(), options);
        Assert.True(outcome.TimedOut);
        Assert.Equal($"timed out after 3s waiting for factory-a/edge-01: {AgentStage}", outcome.Error);
        Assert.Equal("edge-01: " + AgentStage, reporter.Waits[^1]);
        // Said while it still waited, naming what the guest lacks.
        var warning = Assert.Single(reporter.Warnings);
        Assert.StartsWith("edge-01: the guest agent has not connected after 500ms: AgentConnected needs qemu-guest-agent running in the guest.", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_holds_until_the_readiness_probe_says_IoT_Edge_is_healthy()
    {
        _cluster.Server.Simulator.SetGuestHealthy("factory-a", "edge-01", false);
        _cluster.Server.Simulator.Start();
        var (outcome, reporter) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true, timeout: TimeSpan.FromSeconds(2)));
        Assert.True(outcome.TimedOut);
        Assert.Equal($"timed out after 2s waiting for factory-a/edge-01: {HealthyStage}", outcome.Error);
        var vmi = _cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, "factory-a", "edge-01")!;
        Assert.Contains(vmi["status"]!["conditions"]!.AsArray(), c => c!["type"]!.GetValue<string>() == "AgentConnected");

        // The probe passes: the next --wait finds the device Ready.
        _cluster.Server.Simulator.SetGuestHealthy("factory-a", "edge-01", true);
        var (again, _) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true, timeout: TimeSpan.FromSeconds(20)));
        Assert.True(again.Succeeded, again.Error);
    }

    [Fact]
    public async Task The_readiness_probe_runs_on_the_VMs_own_schedule_not_at_once()
    {
        // initialDelaySeconds 30, periodSeconds 15, failureThreshold 3 (HealthProbe), a tenth of real time here.
        _cluster.Server.Simulator.ProbeTimeScale = 0.1;
        _cluster.Server.Simulator.Start();
        var (outcome, reporter) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true, timeout: TimeSpan.FromSeconds(30)));
        Assert.True(outcome.Succeeded, outcome.Error);
        // The agent connected before the first probe ran: the device waited at "healthy" for the initial delay.
        Assert.Contains(reporter.Waits, w => w == $"edge-01: {HealthyStage}");

        // A failing guest is not Ready only after failureThreshold failed runs, not at its first.
        _cluster.Server.Simulator.SetGuestHealthy("factory-a", "edge-01", false);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True(Ready());
        for (var i = 0; i < 100 && Ready(); i++)
        {
            await Task.Delay(100);
        }

        Assert.False(Ready());

        bool Ready() => _cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, "factory-a", "edge-01")!["status"]!["conditions"]!.AsArray()
            .Any(c => c!["type"]!.GetValue<string>() == "Ready" && c["status"]!.GetValue<string>() == "True");
    }

    [Fact]
    public async Task WaitForFirstConsumer_storage_binds_when_the_VM_starts_and_wait_says_so_meanwhile()
    {
        // The default class binds late: CDI keeps the DataVolumes PendingPopulation until the VM's pod is scheduled,
        // which KubeVirt's VM controller does at once (the VMI comes before the volumes are ready).
        var local = _cluster.Server.Store.Read(ResourceType.StorageClass, null, "local-path")!;
        local["volumeBindingMode"] = "WaitForFirstConsumer";
        _cluster.Server.Store.Commit(ResourceType.StorageClass, local, []);
        // CDI looks again after a step (20 s here): the deadline (8 s, room for a loaded machine to have seen the
        // volumes; 3 s was not enough in a clean run beside the NativeAOT build) comes while they still wait for their pod.
        _cluster.Server.Simulator.Step = TimeSpan.FromSeconds(20);
        _cluster.Server.Simulator.Start();
        var (early, _) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true, timeout: TimeSpan.FromSeconds(8)));
        Assert.True(early.TimedOut);
        Assert.Contains("PendingPopulation (WaitForFirstConsumer storage: the volume binds once the VM's pod is scheduled)", early.Error, StringComparison.Ordinal);
        Assert.Equal("PendingPopulation", _cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-01-root")!["status"]!["phase"]!.GetValue<string>());

        // Nothing waits for the import before the VM starts: the VMI's pod is the consumer, and the device comes up.
        _cluster.Server.Simulator.Step = TimeSpan.FromMilliseconds(50);
        // The volumes look again at the end of the step they sleep in (up to 20 s).
        var (outcome, _) = await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options(wait: true, timeout: TimeSpan.FromSeconds(60)));
        Assert.True(outcome.Succeeded, outcome.Error);
    }

    private const string HealthyStage = "IoT Edge to be healthy (the VMI's Ready condition: its readinessProbe runs kvedge-health in the guest; kvedge health edge-01 says why not)";

    private const string AgentStage = "the guest agent (VMI condition AgentConnected; qemu-guest-agent in the guest, installed at its first boot)";

    [Theory]
    [InlineData("Halted")]
    [InlineData("Manual")]
    public async Task Wait_does_not_wait_for_a_VM_its_run_strategy_keeps_stopped(string strategy)
    {
        _cluster.Server.Simulator.Start();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var (outcome, reporter) = await Install(ClusterTestDevices.Spec() + $"\n  runStrategy: {strategy}", ClusterTestDevices.Options(wait: true, timeout: TimeSpan.FromSeconds(30)));
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.False(outcome.TimedOut);
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20));
        Assert.Empty(reporter.Waits);
        Assert.Equal($"edge-01: not waiting: runStrategy {strategy} keeps the VM stopped until it is started (virtctl start edge-01)", Assert.Single(reporter.Warnings));
    }

    [Fact]
    public async Task A_fleet_installs_every_device_and_one_failure_does_not_stop_the_others()
    {
        _cluster.Server.Faults.When(r => r.Method == "PATCH" && r.Path.EndsWith("/edge-02", StringComparison.Ordinal) && r.Path.Contains("virtualmachines", StringComparison.Ordinal),
            new Fault.Status(HttpStatusCode.Forbidden, "Forbidden"), times: 100);
        var outcomes = await new InstallAction(_client, new RecordingReporter()).RunAsync(
            ClusterTestDevices.Render(ClusterTestDevices.Spec("edge-01"), ClusterTestDevices.Spec("edge-02"), ClusterTestDevices.Spec("edge-03")),
            ClusterTestDevices.Options(), CancellationToken.None);
        Assert.Equal([true, false, true], outcomes.Select(o => o.Succeeded));
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-03"));
    }
}
