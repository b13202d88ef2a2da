using System.Net;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Actions;

/// <summary>
/// A fleet installed as a platform team does it: the live state read by one list per (namespace, kind), devices applied
/// concurrently, a 429 holding every worker back, one device's failure not stopping the others, the report in the
/// input's order, and --wait over the whole fleet at once with one deadline.
/// </summary>
public sealed class FleetInstallTests() : ContractClusterTest(simulate: false)
{
    private const int ObjectsPerDevice = 7;

    // Devices alternate between two namespaces.
    private static string[] Fleet(int n, string memory = "4Gi") =>
        [.. Enumerable.Range(0, n).Select(i =>
        {
            var spec = ClusterTestDevices.Spec($"dev-{i:00}", memory);
            return i % 2 == 1 ? spec.Replace("namespace: factory-a", "namespace: factory-b", StringComparison.Ordinal) : spec;
        })];

    private async Task<IReadOnlyList<DeviceOutcome>> InstallFleet(string[] specs, InstallOptions options, IInstallReporter? reporter = null) =>
        await new InstallAction(Client, reporter ?? new RecordingReporter()).RunAsync(ClusterTestDevices.Render(specs), options, CancellationToken.None);

    private static bool IsList(RecordedRequest r) => r.Method == "GET" && r.Query.Contains("labelSelector", StringComparison.Ordinal) && !r.IsWatch;

    private List<RecordedRequest> Requests() => [.. Cluster.Server.Requests];

    private int Stored() =>
        new[] { ResourceType.Secret, ResourceType.ConfigMap, ResourceType.DataVolume, ResourceType.VirtualMachine, ResourceType.Service }
            .Sum(t => Cluster.Server.Store.List(t, "factory-a").Count + Cluster.Server.Store.List(t, "factory-b").Count);

    [Fact]
    public async Task A_fleet_is_read_by_one_list_per_namespace_and_kind_and_an_unchanged_one_is_not_written()
    {
        var fleet = Fleet(10);
        var first = await InstallFleet(fleet, ClusterTestDevices.Options());
        Assert.All(first, o => Assert.True(o.Succeeded, o.Error));
        var requests = Requests();
        Assert.Equal(2 * 5, requests.Count(IsList)); // 2 namespaces × Secret, ConfigMap, DataVolume, VM, Service
        Assert.Equal(10 * ObjectsPerDevice, requests.Count(r => r.Method == "PATCH"));
        Assert.Equal(requests.Count, requests.Count(IsList) + requests.Count(r => r.Method == "PATCH")); // no GET per object

        Cluster.Server.ResetRequests();
        var again = await InstallFleet(fleet, ClusterTestDevices.Options());
        Assert.All(again, o => Assert.All(o.Changes, c => Assert.Equal(ChangeAction.Unchanged, c.Action)));
        requests = Requests();
        Assert.DoesNotContain(requests, r => r.IsWrite);
        Assert.All(requests.GroupBy(r => r.Path), g => Assert.True(g.Count() <= 2, $"{g.Key}: {g.Count()} requests"));
        Assert.Equal(10, requests.Count);

        // One device changed: the lists, and one apply of the one object that changed.
        Cluster.Server.ResetRequests();
        fleet[3] = ClusterTestDevices.Spec("dev-03", "6Gi").Replace("namespace: factory-a", "namespace: factory-b", StringComparison.Ordinal);
        var changed = await InstallFleet(fleet, ClusterTestDevices.Options(upgrade: true));
        Assert.All(changed, o => Assert.True(o.Succeeded, o.Error));
        requests = Requests();
        Assert.Equal(10, requests.Count(IsList));
        var write = Assert.Single(requests, r => r.IsWrite);
        Assert.EndsWith("/namespaces/factory-b/virtualmachines/dev-03", write.Path, StringComparison.Ordinal);
        Assert.Equal("VirtualMachine:configured", string.Join(" ", changed[3].Changes.Where(c => c.Action != ChangeAction.Unchanged).Select(c => $"{c.Resource.Kind}:{c.Verb}")));
    }

    [Fact]
    public async Task A_429_with_Retry_After_holds_every_worker_back_and_the_install_completes()
    {
        var throttled = new List<DateTime>();
        Cluster.Server.Faults.When(r =>
        {
            if (r.Method != "PATCH" || r.Index < 25)
            {
                return false;
            }

            lock (throttled)
            {
                if (throttled.Count >= 3)
                {
                    return false;
                }

                throttled.Add(r.At);
                return true;
            }
        }, new Fault.Throttle(1), times: int.MaxValue);

        var outcomes = await InstallFleet(Fleet(12), ClusterTestDevices.Options() with { Concurrency = 6 });

        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        Assert.Equal(12 * ObjectsPerDevice, Stored());
        // After the first 429, only requests already on their way reach the server in the second it asked for: the
        // other five workers wait too, not just the one that was told.
        var first = throttled.Min();
        var during = Requests().Where(r => r.At > first.AddMilliseconds(300) && r.At < first.AddMilliseconds(900)).ToList();
        Assert.True(during.Count == 0, $"{during.Count} requests during the Retry-After: {string.Join(", ", during)}");
        Assert.Contains(Requests(), r => r.At >= first.AddMilliseconds(900));
    }

    [Fact]
    public async Task A_failure_in_one_device_leaves_the_others_applied_and_reported()
    {
        Cluster.Server.Faults.When(r => r.Method == "PATCH" && r.Path.EndsWith("/virtualmachines/dev-04", StringComparison.Ordinal),
            new Fault.Status(HttpStatusCode.UnprocessableEntity, "Invalid"), times: int.MaxValue);

        var outcomes = await InstallFleet(Fleet(8), ClusterTestDevices.Options() with { Concurrency = 4 });

        Assert.Equal(7, outcomes.Count(o => o.Succeeded));
        var failed = Assert.Single(outcomes, o => !o.Succeeded);
        Assert.Equal("dev-04", failed.Name);
        Assert.Equal("Secret:created Secret:created ConfigMap:created DataVolume:created DataVolume:created", string.Join(" ", failed.Changes.Select(c => $"{c.Resource.Kind}:{c.Verb}")));
        Assert.Null(Cluster.Server.Store.Read(ResourceType.Service, "factory-a", "dev-04-ssh"));
        foreach (var o in outcomes.Where(o => o.Succeeded))
        {
            Assert.NotNull(Cluster.Server.Store.Read(ResourceType.VirtualMachine, o.Namespace, o.Name));
        }
    }

    [Fact]
    public async Task The_report_is_in_the_input_order_whatever_order_the_devices_finish_in()
    {
        // The first device's requests are slow, so it finishes last.
        Cluster.Server.Faults.When(r => r.Path.Contains("/dev-00", StringComparison.Ordinal), new Fault.Latency(TimeSpan.FromMilliseconds(150)), times: int.MaxValue);
        var reporter = new RecordingReporter();

        var outcomes = await InstallFleet(Fleet(6), ClusterTestDevices.Options() with { Concurrency = 6 }, reporter);

        Assert.Equal(["dev-00", "dev-01", "dev-02", "dev-03", "dev-04", "dev-05"], outcomes.Select(o => o.Name));
        Assert.Equal(6 * ObjectsPerDevice, reporter.Changes.Count);
        Assert.Equal([.. outcomes.SelectMany(o => o.Changes).Select(c => $"{c.Device} {c.Resource.Kind} {c.Name}")], reporter.Changes.Select(c => $"{c.Device} {c.Resource.Kind} {c.Name}"));
        // dev-00 really did finish last: its last apply is the last request.
        Assert.Contains("/dev-00", Requests().Last(r => r.Method == "PATCH").Path, StringComparison.Ordinal);
    }

    // dev-NN imports and boots in steps of 20 + 10·NN ms: dev-19 is the slowest.
    private static TimeSpan? Staggered(string name) =>
        name.StartsWith("dev-", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(20 + (10 * int.Parse(name[4..6], System.Globalization.CultureInfo.InvariantCulture))) : null;

    [Fact]
    public async Task Wait_for_a_fleet_waits_for_all_at_once_with_one_watch_per_namespace_and_kind_until_the_last_is_ready()
    {
        Cluster.Server.Simulator.StepFor = Staggered;
        // KubeVirt and CDI start once the waiter has seen every device waiting for its imports, so each device goes
        // through every stage whatever the machine's speed (a simulator that ran from the start could finish a fast
        // device's import before the waiter's first list).
        var reporter = new RecordingReporter();
        var importing = new HashSet<string>(StringComparer.Ordinal);
        reporter.OnStage = (device, stage) =>
        {
            if (stage == WaitStage.Importing && importing.Add(device) && importing.Count == 20)
            {
                Cluster.Server.Simulator.Start();
            }
        };

        var outcomes = await InstallFleet(Fleet(20), ClusterTestDevices.Options(wait: true, timeout: TimeSpan.FromSeconds(60)), reporter);

        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        // Returned only once the last (slowest) device's guest agent had connected, and every device's.
        foreach (var o in outcomes)
        {
            Assert.True(DeviceReadiness.HasCondition(Cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, o.Namespace, o.Name)!, "AgentConnected"), o.Name);
        }

        // One list and one watch per (namespace, kind) for the whole fleet, not per device.
        var watches = Requests().Where(r => r.IsWatch).ToList();
        Assert.Equal(2 * 3, watches.Count);
        Assert.All(Enumerable.Range(0, 20), i => Assert.Contains($"dev-{i:00}: the DataVolumes to import", reporter.Waits));
    }

    [Fact]
    public async Task A_fleet_wait_that_runs_out_of_time_names_each_device_still_waiting_and_what_for()
    {
        // dev-03 never finishes its import.
        Cluster.Server.Simulator.StepFor = name => name.StartsWith("dev-03", StringComparison.Ordinal) ? TimeSpan.FromHours(1) : null;
        Cluster.Server.Simulator.Start();

        var outcomes = await InstallFleet(Fleet(8), ClusterTestDevices.Options(wait: true, timeout: TimeSpan.FromSeconds(3)));

        var late = outcomes.Where(o => !o.Succeeded).ToList();
        var only = Assert.Single(late);
        Assert.Equal("dev-03", only.Name);
        Assert.True(only.TimedOut);
        Assert.Equal("the DataVolumes to import", only.WaitedFor);
        Assert.Equal("timed out after 3s waiting for factory-b/dev-03: the DataVolumes to import", only.Error);
        Assert.Equal(7, outcomes.Count(o => o.Succeeded));
    }
}
