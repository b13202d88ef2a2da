using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Actions;

/// <summary>
/// Health-gated rollouts against the contract server and its KubeVirt simulator, whose guests are as healthy as the
/// test says per instance (a bad change makes every instance started with it unhealthy): the budget held, checked from
/// the store's change log; a canary that fails halting the rollout; resume after the fix; a run killed mid-rollout
/// resumed by the next without a device restarted twice.
/// </summary>
public sealed class RolloutActionTests() : ContractClusterTest(simulate: true)
{
    private const string Ns = "factory-a";

    private static string[] Fleet(int n, string memory = "4Gi") => [.. Enumerable.Range(0, n).Select(i => ClusterTestDevices.Spec($"dev-{i:00}", memory))];

    private async Task InstallReady(int n)
    {
        Cluster.Server.Simulator.RestartGrace = TimeSpan.FromMilliseconds(100);
        var outcomes = await new InstallAction(Client, new RecordingReporter())
            .RunAsync(ClusterTestDevices.Render(Fleet(n)), ClusterTestDevices.Options(wait: true, timeout: TimeSpan.FromSeconds(60)) with { Concurrency = 16 }, CancellationToken.None);
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
    }

    // The upgrade's apply (no restart), then its rollout: what `kvedge upgrade --rollout` does.
    private async Task<RolloutResult> Upgrade(int n, string memory, RolloutPolicy policy, RolloutReporter? reporter = null, CancellationToken ct = default)
    {
        var devices = ClusterTestDevices.Render(Fleet(n, memory));
        var outcomes = await new InstallAction(Client, new RecordingReporter())
            .RunAsync(devices, ClusterTestDevices.Options(upgrade: true) with { Rollout = true }, CancellationToken.None);
        Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Error));
        var rollout = RolloutRevision.OfRollout(devices.Select(d => (d.Namespace, d.Name, RolloutRevision.Of(d))));
        return await new RolloutAction(Client, reporter ?? new RolloutReporter()) { Tick = TimeSpan.FromMilliseconds(100) }
            .RunAsync([.. outcomes.Select(o => new RolloutTarget(o.Namespace, o.Name, o.RestartNeeded))], rollout, policy, TimeSpan.FromSeconds(90), ct);
    }

    private Dictionary<string, int> RestartsByDevice() =>
        Cluster.Server.Requests.Where(r => r.Method == "PUT" && r.Path.EndsWith("/restart", StringComparison.Ordinal))
            .GroupBy(r => r.Path.Split('/')[^2]).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>How many devices were not Ready at most, from every VMI change the store made (the watch log).</summary>
    private sealed class NotReadyLog : IDisposable
    {
        private readonly ObjectStore _store;
        private readonly ConcurrentDictionary<string, bool> _ready = new(StringComparer.Ordinal);
        private readonly Lock _gate = new();

        public NotReadyLog(ObjectStore store, IEnumerable<string> devices)
        {
            _store = store;
            foreach (var d in devices)
            {
                _ready[d] = true;
            }

            _store.Changed += OnChanged;
        }

        public int Max { get; private set; }

        private void OnChanged(WatchEvent e)
        {
            if (e.Type != ResourceType.VirtualMachineInstance)
            {
                return;
            }

            var name = e.Object["metadata"]!["name"]!.GetValue<string>();
            var ready = e.EventType != "DELETED" && e.Object["metadata"]?["deletionTimestamp"] is null
                && e.Object["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true;
            lock (_gate)
            {
                _ready[name] = ready;
                Max = Math.Max(Max, _ready.Values.Count(r => !r));
            }
        }

        public void Dispose() => _store.Changed -= OnChanged;
    }

    public sealed class RolloutReporter : IRolloutReporter
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public Action<int>? OnWave { get; set; }

        public void Wave(int wave, RolloutPhase phase, IReadOnlyList<RolloutDevice> restarting)
        {
            Lines.Enqueue($"wave {wave} {phase}: {string.Join(",", restarting.Select(d => d.Name))}");
            OnWave?.Invoke(wave);
        }

        public void Settled(RolloutDevice device) => Lines.Enqueue($"{device.Name} {device.State}: {device.Reason}");

        public void Progress(RolloutPlan plan) => Lines.Enqueue($"{plan.Phase} {plan.Updated}/{plan.Total}");
    }

    private static bool Breaks(JsonObject vmi, string device, string memory) =>
        vmi["metadata"]!["name"]!.GetValue<string>() == device && vmi["spec"]?["domain"]?["resources"]?["requests"]?["memory"]?.GetValue<string>() == memory;

    [Fact]
    public async Task A_hundred_devices_at_10_percent_never_have_more_than_10_not_Ready_and_each_restarts_once()
    {
        await InstallReady(100);
        Cluster.Server.ResetRequests();
        using var log = new NotReadyLog(Cluster.Server.Store, Enumerable.Range(0, 100).Select(i => $"dev-{i:00}"));
        var reporter = new RolloutReporter();

        var result = await Upgrade(100, "6Gi", RolloutPolicy.Default with { MaxUnavailable = CountOrPercent.Percent(10) }, reporter);

        Assert.True(result.Succeeded, $"{result.Plan.Phase} {result.Plan.HaltReason} {result.Error} timedOut={result.TimedOut}\n{string.Join("\n", reporter.Lines)}");
        Assert.Equal(100, result.Plan.Updated);
        Assert.InRange(log.Max, 1, 10);
        var restarts = RestartsByDevice();
        Assert.Equal(100, restarts.Count);
        Assert.All(restarts, r => Assert.Equal(1, r.Value));
        Assert.InRange(result.Waves, 10, 100);
        // Every instance now runs the revision its VM's template holds.
        foreach (var vm in Cluster.Server.Store.List(ResourceType.VirtualMachine, Ns))
        {
            var vmi = Cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, Ns, vm["metadata"]!["name"]!.GetValue<string>());
            Assert.Equal(RolloutMarks.RevisionOf(vm), RolloutMarks.InstanceRevisionOf(vmi));
        }
    }

    [Fact]
    public async Task A_canary_kept_unhealthy_halts_the_rollout_and_resume_after_the_fix_restarts_no_device_twice()
    {
        await InstallReady(10);
        Cluster.Server.Simulator.GuestHealthyWith = vmi => !Breaks(vmi, "dev-00", "6Gi");
        Cluster.Server.ResetRequests();
        var policy = RolloutPolicy.Default with { Canary = CountOrPercent.Count(1), MaxUnavailable = CountOrPercent.Count(3), ProgressDeadline = TimeSpan.FromSeconds(3) };

        var lines = new RolloutReporter();
        var halted = await Upgrade(10, "6Gi", policy, lines);

        Assert.True(halted.Plan.Phase == RolloutPhase.Halted, string.Join("\n", lines.Lines));
        Assert.Contains("the canary failed (factory-a/dev-00: HealthProbeNotPassing", halted.Plan.HaltReason, StringComparison.Ordinal);
        Assert.Equal(["dev-00"], RestartsByDevice().Keys);
        Assert.Equal(9, halted.Plan.Pending);
        var vm = Cluster.Server.Store.Read(ResourceType.VirtualMachine, Ns, "dev-00")!;
        Assert.NotNull(RolloutMarks.FailedOf(vm));

        // A rerun of the same change stays halted: the failure is marked on the device, and nothing more restarts.
        var again = await Upgrade(10, "6Gi", policy);
        Assert.Equal(RolloutPhase.Halted, again.Plan.Phase);
        Assert.Equal(["dev-00"], RestartsByDevice().Keys);

        // The fix (the guest is healthy again), then resume: the canary is judged again, Ready now, and the rest follow.
        Cluster.Server.Simulator.GuestHealthyWith = null;
        Cluster.Server.Simulator.SetGuestHealthy(Ns, "dev-00", true);
        await WaitFor(() => DeviceReadiness.HasCondition(Cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, Ns, "dev-00")!, "Ready"));
        var resumed = await new RolloutControlAction(Client).SetPausedAsync(new RolloutControlAction.Selection(null, Ns, null), paused: false, CancellationToken.None);
        Assert.Equal([(Ns, "dev-00")], resumed);
        var finished = await Upgrade(10, "6Gi", policy);

        Assert.True(finished.Succeeded, $"{finished.Plan.Phase} {finished.Plan.HaltReason}");
        Assert.Equal(10, finished.Plan.Updated);
        var restarts = RestartsByDevice();
        Assert.Equal(10, restarts.Count);
        Assert.All(restarts, r => Assert.Equal(1, r.Value));
    }

    [Fact]
    public async Task A_run_killed_mid_rollout_is_resumed_by_the_next_with_no_device_restarted_twice()
    {
        await InstallReady(12);
        Cluster.Server.ResetRequests();
        using var kill = new CancellationTokenSource();
        var reporter = new RolloutReporter { OnWave = wave => { if (wave == 3) { kill.Cancel(); } } };
        var policy = RolloutPolicy.Default with { MaxUnavailable = CountOrPercent.Count(2) };

        var killed = await Upgrade(12, "6Gi", policy, reporter, kill.Token);

        Assert.True(killed.Interrupted);
        var before = RestartsByDevice();
        Assert.InRange(before.Count, 2, 11);

        // The next run applies nothing (the change is there), and reads from the instances and the marks who is left.
        var resumed = await Upgrade(12, "6Gi", policy);

        Assert.True(resumed.Succeeded, $"{resumed.Plan.Phase} {resumed.Plan.HaltReason}");
        var restarts = RestartsByDevice();
        Assert.Equal(12, restarts.Count);
        Assert.All(restarts, r => Assert.Equal(1, r.Value));
    }

    [Fact]
    public async Task A_device_unhealthy_before_the_rollout_counts_against_the_budget_not_as_a_failure()
    {
        await InstallReady(6);
        Cluster.Server.Simulator.SetGuestHealthy(Ns, "dev-03", false);
        await WaitFor(() => !DeviceReadiness.HasCondition(Cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, Ns, "dev-03")!, "Ready"));
        using var log = new NotReadyLog(Cluster.Server.Store, Enumerable.Range(0, 6).Select(i => $"dev-{i:00}"));
        var policy = RolloutPolicy.Default with { MaxUnavailable = CountOrPercent.Count(2), ProgressDeadline = TimeSpan.FromSeconds(2) };

        var result = await Upgrade(6, "6Gi", policy);

        Assert.Equal(RolloutPhase.Complete, result.Plan.Phase);
        Assert.Equal(5, result.Plan.Updated);
        Assert.Equal(RolloutState.StillUnhealthy, Assert.Single(result.Devices, d => d.Name == "dev-03").State);
        Assert.Equal(0, result.Plan.Failed);
        // dev-03 was down all along: with a budget of 2, one other device at a time.
        Assert.InRange(log.Max, 1, 2);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}
