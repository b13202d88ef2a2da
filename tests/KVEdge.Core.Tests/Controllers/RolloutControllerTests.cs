using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Controllers;
using KVEdge.Core.Kube;
using KVEdge.Core.Spec;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Controllers;

/// <summary>
/// The operator's rollouts against the contract server and its KubeVirt simulator: a changed fleet of EdgeDevices rolled
/// by a RolloutPolicy in health-gated waves (its budget held, checked from the store's change log), a failing canary
/// halting it with a Stalled condition and an Event naming the device and the reason, resume after the fix; and the
/// leader stopped mid-rollout, another controller resuming it with no device restarted twice.
/// </summary>
public sealed class RolloutControllerTests : IAsyncLifetime
{
    private const string Ns = "factory-a";
    private static readonly ResourceType EdgeDevices = new("kvedge.io", "v1alpha1", "edgedevices", "EdgeDevice", true, true);
    private static readonly ResourceType Policies = new("kvedge.io", "v1alpha1", "rolloutpolicies", "RolloutPolicy", true, true);
    private static readonly ResourceType Devices = new("kvedge.io", "v1alpha1", "edgedevices", "EdgeDevice", true, true);

    private ContractCluster _cluster = null!;
    private KubernetesClusterClient _client = null!;
    private readonly List<string> _log = [];

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _cluster.Server.ClusterScope = true;
        _cluster.Server.InstallCrd(EdgeDeviceCrd.Build());
        _cluster.Server.InstallCrd(RolloutPolicyCrd.Build());
        _cluster.Server.Simulator.RestartGrace = TimeSpan.FromMilliseconds(100);
        _cluster.Server.Simulator.Start();
        _client = _cluster.Client();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _cluster.DisposeAsync();
    }

    private (EdgeDeviceController Controller, CancellationTokenSource Stop, Task Running) StartController(RolloutPolicy? fallback = null)
    {
        var controller = new EdgeDeviceController(_client, new ControllerOptions
        {
            NotReadyPoll = TimeSpan.FromMilliseconds(200),
            RolloutTick = TimeSpan.FromMilliseconds(200),
            DefaultRollout = fallback ?? RolloutPolicy.Default with { ProgressDeadline = TimeSpan.FromSeconds(3) },
        });
        controller.Log += line =>
        {
            lock (_log)
            {
                _log.Add(line);
            }
        };
        var stop = new CancellationTokenSource();
        return (controller, stop, Task.Run(() => controller.RunAsync(stop.Token)));
    }

    private static JsonObject Device(string name, string memory, string site = "plant-7") => YamlToJson.ParseAll(Specs.Minimal(name,
        $"memory: {memory}\niotEdge:\n  provisioning: {{source: manual, method: connectionString}}\n  credentials: {{existingSecret: {name}-iotedge}}")
        .Replace("  name: ", $"  labels: {{site: {site}}}\n  name: ", StringComparison.Ordinal))[0];

    private Task<JsonObject> ApplyAsync(ClusterResource resource, JsonObject obj) =>
        _client.ApplyAsync(resource, obj, new ApplyOptions("kubectl", Force: false, DryRun: false), CancellationToken.None);

    private async Task ApplyFleetAsync(int n, string memory)
    {
        for (var i = 0; i < n; i++)
        {
            await ApplyAsync(ClusterResource.EdgeDevice, Device($"dev-{i:00}", memory));
        }
    }

    private bool AllReadyOn(int n, string memory) => Enumerable.Range(0, n).All(i =>
        _cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, Ns, $"dev-{i:00}") is { } vmi
        && vmi["metadata"]?["deletionTimestamp"] is null
        && vmi["spec"]?["domain"]?["resources"]?["requests"]?["memory"]?.GetValue<string>() == memory
        && DeviceReadiness.HasCondition(vmi, "Ready"));

    private async Task EventuallyAsync(Func<bool> done, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (done())
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{what}\n{string.Join("\n", _log.TakeLast(40))}");
    }

    private Dictionary<string, int> Restarts() =>
        _cluster.Server.Requests.Where(r => r.Method == "PUT" && r.Path.EndsWith("/restart", StringComparison.Ordinal))
            .GroupBy(r => r.Path.Split('/')[^2]).ToDictionary(g => g.Key, g => g.Count());

    private JsonObject? Policy() => _cluster.Server.Store.Read(Policies, Ns, "plant-7");

    private static JsonObject? Condition(JsonObject? cr, string type) =>
        cr?["status"]?["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    [Fact]
    public async Task A_policy_rolls_in_waves_within_its_budget_a_failing_canary_halts_it_and_resume_after_the_fix_finishes()
    {
        const int N = 10;
        var (controller, stop, running) = StartController();
        await ApplyAsync(ClusterResource.RolloutPolicy, JsonNode.Parse("""
            {"apiVersion":"kvedge.io/v1alpha1","kind":"RolloutPolicy","metadata":{"name":"plant-7","namespace":"factory-a"},
             "spec":{"selector":{"matchLabels":{"site":"plant-7"}},"canary":1,"maxUnavailable":3,"progressDeadline":"3s"}}
            """)!.AsObject());
        await ApplyFleetAsync(N, "4Gi");
        await EventuallyAsync(() => AllReadyOn(N, "4Gi"), "the fleet should come up");
        await EventuallyAsync(() => Policy()?["status"]?["phase"]?.GetValue<string>() == "Complete", "the policy should be Complete");
        _cluster.Server.ResetRequests();

        // A bad change: the first device that boots with it is unhealthy.
        _cluster.Server.Simulator.GuestHealthyWith = vmi => !(vmi["metadata"]!["name"]!.GetValue<string>() == "dev-00"
            && vmi["spec"]?["domain"]?["resources"]?["requests"]?["memory"]?.GetValue<string>() == "6Gi");
        var notReady = 0;
        var ready = new System.Collections.Concurrent.ConcurrentDictionary<string, bool>();
        _cluster.Server.Store.Changed += e =>
        {
            if (e.Type == ResourceType.VirtualMachineInstance)
            {
                ready[e.Object["metadata"]!["name"]!.GetValue<string>()] = e.EventType != "DELETED" && e.Object["metadata"]?["deletionTimestamp"] is null && DeviceReadiness.HasCondition(e.Object, "Ready");
                lock (ready)
                {
                    notReady = Math.Max(notReady, ready.Values.Count(r => !r));
                }
            }
        };
        await ApplyFleetAsync(N, "6Gi");

        await EventuallyAsync(() => Policy()?["status"]?["phase"]?.GetValue<string>() == "Halted", "the rollout should halt at the canary");
        var policy = Policy()!;
        var stalled = Condition(policy, "Stalled")!;
        Assert.Equal("True", stalled["status"]!.GetValue<string>());
        Assert.Equal("RolloutHalted", stalled["reason"]!.GetValue<string>());
        Assert.Contains("the canary failed (factory-a/dev-00: HealthProbeNotPassing", stalled["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("dev-00", policy["status"]!["failedDevices"]![0]!["name"]!.GetValue<string>());
        await Task.Delay(1000);
        Assert.Equal(["dev-00"], Restarts().Keys);
        var halted = Assert.Single(_cluster.Server.Store.List(ResourceType.Event, Ns), e => e["reason"]?.GetValue<string>() == "RolloutHalted");
        // A device the halt left on its old revision runs well but its change is not in effect: Reconciling, not Ready.
        await EventuallyAsync(() => Condition(_cluster.Server.Store.Read(Devices, Ns, "dev-05"), "Ready")?["reason"]?.GetValue<string>() == DeviceConditions.RestartPending,
            "dev-05 should wait for its restart");
        var pending = _cluster.Server.Store.Read(Devices, Ns, "dev-05");
        Assert.Equal("False", Condition(pending, "Ready")!["status"]!.GetValue<string>());
        Assert.Equal("True", Condition(pending, "Reconciling")!["status"]!.GetValue<string>());
        Assert.Equal("RolloutPolicy", halted["regarding"]!["kind"]!.GetValue<string>());
        Assert.Equal("Warning", halted["type"]!.GetValue<string>());

        // The fix, then resume (what `kvedge rollout resume` does): the canary Ready now, the rest follow.
        _cluster.Server.Simulator.GuestHealthyWith = null;
        _cluster.Server.Simulator.SetGuestHealthy(Ns, "dev-00", true);
        await EventuallyAsync(() => DeviceReadiness.HasCondition(_cluster.Server.Store.Read(ResourceType.VirtualMachineInstance, Ns, "dev-00")!, "Ready"), "dev-00 healthy again");
        await new RolloutControlAction(_client).SetPausedAsync(new RolloutControlAction.Selection(null, Ns, null), paused: false, CancellationToken.None);

        await EventuallyAsync(() => AllReadyOn(N, "6Gi") && Policy()?["status"]?["phase"]?.GetValue<string>() == "Complete", "the rollout should finish");
        Assert.Equal(N, Restarts().Count);
        Assert.All(Restarts(), r => Assert.Equal(1, r.Value));
        Assert.InRange(notReady, 1, 3);
        Assert.Equal("True", Condition(Policy(), "Ready")!["status"]!.GetValue<string>());
        await EventuallyAsync(() => Condition(_cluster.Server.Store.Read(Devices, Ns, "dev-05"), "Ready")?["status"]?.GetValue<string>() == "True",
            "dev-05 should be Ready once restarted");
        Assert.Null(Condition(_cluster.Server.Store.Read(Devices, Ns, "dev-05"), "Reconciling"));

        await stop.CancelAsync();
        await running;
        stop.Dispose();
    }

    [Fact]
    public async Task The_leader_stopped_mid_rollout_is_followed_by_another_that_resumes_with_no_device_restarted_twice()
    {
        const int N = 8;
        var fallback = RolloutPolicy.Default with { MaxUnavailable = CountOrPercent.Count(2), ProgressDeadline = TimeSpan.FromSeconds(5) };
        var (_, stopA, runningA) = StartController(fallback);
        await ApplyFleetAsync(N, "4Gi");
        await EventuallyAsync(() => AllReadyOn(N, "4Gi"), "the fleet should come up");
        _cluster.Server.ResetRequests();

        await ApplyFleetAsync(N, "6Gi");
        await EventuallyAsync(() => Restarts().Count >= 2, "the first wave should start");
        // The leader goes (its lease lost, its pod killed): no tidy-up.
        await stopA.CancelAsync();
        await runningA;
        var before = Restarts().Count;
        Assert.InRange(before, 2, N - 1);

        var (_, stopB, runningB) = StartController(fallback);
        await EventuallyAsync(() => AllReadyOn(N, "6Gi"), "the new leader should finish the rollout");
        await Task.Delay(500);
        Assert.Equal(N, Restarts().Count);
        Assert.All(Restarts(), r => Assert.Equal(1, r.Value));

        await stopB.CancelAsync();
        await runningB;
        stopA.Dispose();
        stopB.Dispose();
    }

    private async Task RemediationPolicyAsync(string maxUnhealthy) => await ApplyAsync(ClusterResource.RolloutPolicy, JsonNode.Parse("""
        {"apiVersion":"kvedge.io/v1alpha1","kind":"RolloutPolicy","metadata":{"name":"plant-7","namespace":"factory-a"},
         "spec":{"selector":{"matchLabels":{"site":"plant-7"}},"maxUnavailable":2,
                 "remediation":{"unhealthyFor":"1s","retryLimit":2,"retryWindow":"1h","maxUnhealthy":"MAX"}}}
        """.Replace("MAX", maxUnhealthy, StringComparison.Ordinal))!.AsObject());

    private List<JsonObject> Events(string reason) => [.. _cluster.Server.Store.List(ResourceType.Event, Ns).Where(e => e["reason"]?.GetValue<string>() == reason)];

    [Fact]
    public async Task A_device_kept_unhealthy_is_restarted_after_unhealthyFor_at_most_retryLimit_times_then_given_up()
    {
        const int N = 6;
        var (_, stop, running) = StartController();
        await RemediationPolicyAsync("50%");
        await ApplyFleetAsync(N, "4Gi");
        await EventuallyAsync(() => AllReadyOn(N, "4Gi"), "the fleet should come up");
        _cluster.Server.ResetRequests();

        // Its edgeAgent stops, and stays stopped whatever restarts it.
        _cluster.Server.Simulator.SetGuestHealthy(Ns, "dev-02", false);

        await EventuallyAsync(() => Policy()?["status"]?["remediation"]?["gaveUp"]?.AsArray().Count == 1, "remediation should give up on dev-02");
        var policy = Policy()!;
        var gaveUp = policy["status"]!["remediation"]!["gaveUp"]![0]!;
        Assert.Equal("dev-02", gaveUp["name"]!.GetValue<string>());
        Assert.StartsWith("restarted 2 time(s) within 1h (retryLimit 2) and still unhealthy: HealthProbeNotPassing", gaveUp["reason"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("True", Condition(policy, "RemediationGaveUp")!["status"]!.GetValue<string>());
        await Task.Delay(2500);
        Assert.Equal(new Dictionary<string, int> { ["dev-02"] = 2 }, Restarts());
        var remediated = Events("Remediated");
        Assert.Equal(2, remediated.Count);
        Assert.All(remediated, e => Assert.Equal("EdgeDevice", e["regarding"]!["kind"]!.GetValue<string>()));
        Assert.Contains("dev-02: restarted (restart 1 of 2 within 1h)", remediated.Select(e => e["note"]!.GetValue<string>()).Order(StringComparer.Ordinal).First(), StringComparison.Ordinal);
        Assert.Equal("Warning", Assert.Single(Events("RemediationGaveUp"))["type"]!.GetValue<string>());

        await stop.CancelAsync();
        await running;
        stop.Dispose();
    }

    [Fact]
    public async Task With_half_the_fleet_unhealthy_no_device_is_restarted_and_an_Event_says_why()
    {
        const int N = 6;
        var (_, stop, running) = StartController();
        await RemediationPolicyAsync("40%");
        await ApplyFleetAsync(N, "4Gi");
        await EventuallyAsync(() => AllReadyOn(N, "4Gi"), "the fleet should come up");
        _cluster.Server.ResetRequests();

        foreach (var name in new[] { "dev-00", "dev-01", "dev-02" })
        {
            _cluster.Server.Simulator.SetGuestHealthy(Ns, name, false);
        }

        await EventuallyAsync(() => Events("RemediationSkipped").Count == 1, "an Event should say why nothing is restarted");
        Assert.Contains("3 of 6 selected devices are unhealthy, more than maxUnhealthy 40% (2): a shared cause", Events("RemediationSkipped")[0]["note"]!.GetValue<string>(), StringComparison.Ordinal);
        await Task.Delay(2500);
        Assert.Empty(Restarts());
        Assert.Contains("a shared cause", Policy()!["status"]!["remediation"]!["heldBack"]!.GetValue<string>(), StringComparison.Ordinal);

        await stop.CancelAsync();
        await running;
        stop.Dispose();
    }
}
