using System.Text.Json.Nodes;
using KVEdge.Core.Actions;

namespace KVEdge.Core.Tests.Actions;

/// <summary>The rollout engine's decisions from observed devices alone, and how a device's VM and instance read.</summary>
public sealed class RolloutPlannerTests
{
    private const string Rollout = "0123456789abcdef";
    private const string Old = "1111111111111111";
    private const string New = "2222222222222222";
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static RolloutDevice D(string name, RolloutState state, bool ready = true, bool paused = false, bool canary = false) =>
        new("ns", name, state, ready, paused, canary, null, ready ? null : "HealthProbeNotPassing: x", New, "uid-" + name, InRollout: true);

    private static List<RolloutDevice> Pending(int n) => [.. Enumerable.Range(0, n).Select(i => D($"d{i:00}", RolloutState.Pending))];

    [Fact]
    public void At_10_percent_of_100_ten_ready_devices_restart_and_no_more_while_they_are_down()
    {
        var policy = RolloutPolicy.Default with { MaxUnavailable = CountOrPercent.Percent(10) };
        var devices = Pending(100);
        var plan = RolloutPlanner.Plan(devices, policy);
        Assert.Equal(RolloutPhase.Rolling, plan.Phase);
        Assert.Equal(10, plan.Restart.Count);
        Assert.Equal("d00", plan.Restart[0].Name);

        for (var i = 0; i < 10; i++)
        {
            devices[i] = D(devices[i].Name, RolloutState.Restarting, ready: false);
        }

        Assert.Empty(RolloutPlanner.Plan(devices, policy).Restart);
        devices[0] = D("d00", RolloutState.Updated);
        Assert.Equal(["d10"], RolloutPlanner.Plan(devices, policy).Restart.Select(d => d.Name));
    }

    [Fact]
    public void A_device_already_down_restarts_without_budget_and_a_ready_one_waits_for_it()
    {
        var devices = Pending(3);
        devices[2] = D("d02", RolloutState.Pending, ready: false);
        var plan = RolloutPlanner.Plan(devices, RolloutPolicy.Default);
        // The unhealthy one fills the budget of 1 already: it goes (it takes nothing more down), the ready ones wait.
        Assert.Equal(["d02"], plan.Restart.Select(d => d.Name));
    }

    [Fact]
    public void The_canary_goes_alone_and_must_be_Updated_before_the_rest()
    {
        var policy = RolloutPolicy.Default with { Canary = CountOrPercent.Count(2), MaxUnavailable = CountOrPercent.Count(5) };
        var devices = Pending(10);
        var plan = RolloutPlanner.Plan(devices, policy);
        Assert.Equal(RolloutPhase.Canary, plan.Phase);
        Assert.Equal(["d00", "d01"], plan.Restart.Select(d => d.Name));

        devices[0] = D("d00", RolloutState.Updated);
        devices[1] = D("d01", RolloutState.Restarting, ready: false);
        plan = RolloutPlanner.Plan(devices, policy);
        Assert.Equal(RolloutPhase.Canary, plan.Phase);
        Assert.Empty(plan.Restart);

        devices[1] = D("d01", RolloutState.Updated);
        plan = RolloutPlanner.Plan(devices, policy);
        Assert.Equal(RolloutPhase.Rolling, plan.Phase);
        Assert.Equal(5, plan.Restart.Count);
    }

    [Fact]
    public void A_failed_canary_halts_at_any_threshold_and_names_the_device_and_reason()
    {
        var policy = RolloutPolicy.Default with { Canary = CountOrPercent.Count(1), FailureThreshold = CountOrPercent.Percent(50) };
        var devices = Pending(10);
        devices[0] = D("d00", RolloutState.Failed, ready: false);
        var plan = RolloutPlanner.Plan(devices, policy);
        Assert.Equal(RolloutPhase.Halted, plan.Phase);
        Assert.Empty(plan.Restart);
        Assert.Equal("the canary failed (ns/d00: HealthProbeNotPassing: x)", plan.HaltReason);
    }

    [Fact]
    public void Failures_below_the_threshold_go_on_and_reaching_it_halts()
    {
        var policy = RolloutPolicy.Default with { MaxUnavailable = CountOrPercent.Count(4), FailureThreshold = CountOrPercent.Count(2) };
        var devices = Pending(10);
        devices[0] = D("d00", RolloutState.Failed, ready: false);
        var plan = RolloutPlanner.Plan(devices, policy);
        Assert.Equal(RolloutPhase.Rolling, plan.Phase);
        Assert.Equal(3, plan.Restart.Count);

        devices[1] = D("d01", RolloutState.Failed, ready: false);
        plan = RolloutPlanner.Plan(devices, policy);
        Assert.Equal(RolloutPhase.Halted, plan.Phase);
        Assert.StartsWith("2 device(s) failed, the failure threshold is 2", plan.HaltReason, StringComparison.Ordinal);
    }

    [Fact]
    public void By_selector_the_canary_is_every_selected_device()
    {
        var policy = RolloutPolicy.Default with { CanarySelector = "ring=pilot", MaxUnavailable = CountOrPercent.Count(5) };
        var devices = Pending(6);
        devices[4] = D("d04", RolloutState.Pending, canary: true);
        devices[5] = D("d05", RolloutState.Pending, canary: true);
        var plan = RolloutPlanner.Plan(devices, policy);
        Assert.Equal(RolloutPhase.Canary, plan.Phase);
        Assert.Equal(["d04", "d05"], plan.Restart.Select(d => d.Name));
    }

    [Fact]
    public void Paused_devices_are_not_restarted_and_a_rollout_of_only_paused_ones_is_Paused()
    {
        List<RolloutDevice> devices = [D("d00", RolloutState.Pending, paused: true), D("d01", RolloutState.Pending)];
        Assert.Equal(["d01"], RolloutPlanner.Plan(devices, RolloutPolicy.Default).Restart.Select(d => d.Name));
        devices[1] = D("d01", RolloutState.Updated);
        Assert.Equal(RolloutPhase.Paused, RolloutPlanner.Plan(devices, RolloutPolicy.Default).Phase);
        devices[0] = D("d00", RolloutState.Current);
        Assert.Equal(RolloutPhase.Complete, RolloutPlanner.Plan(devices, RolloutPolicy.Default).Phase);
    }

    private static JsonObject Vm(string? mark = null, bool requested = false)
    {
        var annotations = new JsonObject();
        if (mark is not null)
        {
            annotations[RolloutMarks.Restart] = mark;
        }

        var status = new JsonObject();
        if (requested)
        {
            status["stateChangeRequests"] = new JsonArray(new JsonObject { ["action"] = "Stop", ["uid"] = "00aa" }, new JsonObject { ["action"] = "Start" });
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "d", ["namespace"] = "ns", ["annotations"] = annotations },
            ["spec"] = new JsonObject
            {
                ["runStrategy"] = "Always",
                ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RolloutMarks.Revision] = New } } },
            },
            ["status"] = status,
        };
    }

    private static JsonObject Vmi(string uid, string? revision, bool ready = true, bool deleting = false)
    {
        var metadata = new JsonObject { ["name"] = "d", ["namespace"] = "ns", ["uid"] = uid, ["annotations"] = new JsonObject() };
        if (revision is not null)
        {
            metadata["annotations"]![RolloutMarks.Revision] = revision;
        }

        if (deleting)
        {
            metadata["deletionTimestamp"] = "2026-12-07T12:00:00Z";
        }

        return new JsonObject
        {
            ["metadata"] = metadata,
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["conditions"] = new JsonArray(
                    new JsonObject { ["type"] = "AgentConnected", ["status"] = "True" },
                    new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            },
        };
    }

    private static RolloutState State(JsonObject vm, JsonObject? vmi, bool changedNow = false, bool sent = false) =>
        RolloutDevice.Observe("ns", "d", vm, vmi, Rollout, changedNow, false, Now, TimeSpan.FromMinutes(5), sent).State;

    [Fact]
    public void A_device_reads_from_its_instances_revision_and_the_rollouts_mark()
    {
        var mark = $"{Rollout} {New} 00aa 2026-12-07T11:58:00.000Z ready";
        Assert.Equal(RolloutState.Pending, State(Vm(), Vmi("00aa", Old)));
        Assert.Equal(RolloutState.Current, State(Vm(), Vmi("00aa", New)));
        // An instance from before revisions were stamped: behind only if the apply just now changed something.
        Assert.Equal(RolloutState.Current, State(Vm(), Vmi("00aa", null)));
        Assert.Equal(RolloutState.Pending, State(Vm(), Vmi("00aa", null), changedNow: true));
        Assert.Equal(RolloutState.Stopped, State(Vm(), null));
        // Marked and asked of KubeVirt: the old instance on its way out, then the new one not Ready yet, then Ready.
        Assert.Equal(RolloutState.Restarting, State(Vm(mark, requested: true), Vmi("00aa", Old)));
        Assert.Equal(RolloutState.Restarting, State(Vm(mark), Vmi("00aa", Old, deleting: true)));
        Assert.Equal(RolloutState.Restarting, State(Vm(mark), null));
        Assert.Equal(RolloutState.Restarting, State(Vm(mark), Vmi("00bb", New, ready: false)));
        Assert.Equal(RolloutState.Updated, State(Vm(mark), Vmi("00bb", New)));
        // Marked, but KubeVirt never got the restart (killed in between): to be restarted, the same instance once.
        Assert.Equal(RolloutState.Pending, State(Vm(mark), Vmi("00aa", Old)));
        Assert.Equal(RolloutState.Restarting, State(Vm(mark), Vmi("00aa", Old), sent: true));
        // Past the deadline: failed if it was Ready before, still unhealthy if it was not.
        var late = $"{Rollout} {New} 00aa 2026-12-07T11:50:00.000Z ready";
        Assert.Equal(RolloutState.Failed, State(Vm(late), Vmi("00bb", New, ready: false)));
        Assert.Equal(RolloutState.StillUnhealthy, State(Vm(late.Replace(" ready", " unready", StringComparison.Ordinal)), Vmi("00bb", New, ready: false)));
        // A restart is for the device's revision: one made by another rollout (another run's) is not made again; a mark
        // for an older revision is history.
        Assert.Equal(RolloutState.Restarting, State(Vm($"fedcba9876543210 {New} 00aa 2026-12-07T11:58:00.000Z ready", requested: true), Vmi("00aa", Old)));
        Assert.Equal(RolloutState.Pending, State(Vm($"{Rollout} {Old} 00aa 2026-12-07T11:58:00.000Z ready"), Vmi("00aa", Old)));
    }

    [Theory]
    [InlineData("3", 3, false)]
    [InlineData("10%", 10, true)]
    [InlineData("0", 0, false)]
    public void A_count_or_percent_parses(string text, int value, bool percent)
    {
        Assert.True(CountOrPercent.TryParse(text, out var parsed, out _));
        Assert.Equal(new CountOrPercent(value, percent), parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("101%")]
    [InlineData("3 ")]
    [InlineData("3\n")]
    [InlineData("ten")]
    [InlineData("1.5")]
    public void A_count_or_percent_refuses(string text) => Assert.False(CountOrPercent.TryParse(text, out _, out _));

    [Fact]
    public void A_percent_resolves_down_for_the_budget_and_up_for_the_threshold()
    {
        Assert.Equal(9, CountOrPercent.Percent(10).Resolve(95, roundUp: false));
        Assert.Equal(10, CountOrPercent.Percent(10).Resolve(95, roundUp: true));
        Assert.Equal(1, CountOrPercent.Percent(10).Resolve(5, roundUp: false, atLeast: 1));
    }
}
