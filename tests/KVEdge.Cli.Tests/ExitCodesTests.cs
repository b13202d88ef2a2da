using KVEdge.Core.Actions;

namespace KVEdge.Cli.Tests;

/// <summary>The one mapping from devices' outcomes to the exit code: scripts depend on both the values and the order.</summary>
public sealed class ExitCodesTests
{
    private static DeviceOutcome Ok => new("factory-a", "edge-01", [], [], false, null);

    private static DeviceOutcome Failed(bool timedOut = false, bool conflict = false, bool unreachable = false, bool interrupted = false) =>
        new("factory-a", "edge-02", [], [], false, "it failed", TimedOut: timedOut, Conflict: conflict, Unreachable: unreachable, Interrupted: interrupted);

    [Fact]
    public void The_most_telling_failure_wins()
    {
        Assert.Equal(0, ExitCodes.For([Ok, Ok]));
        Assert.Equal(1, ExitCodes.For([Ok, Failed()]));
        Assert.Equal(5, ExitCodes.For([Failed(), Failed(conflict: true)]));
        Assert.Equal(4, ExitCodes.For([Failed(conflict: true), Failed(timedOut: true)]));
        Assert.Equal(3, ExitCodes.For([Failed(timedOut: true), Failed(unreachable: true)]));
        Assert.Equal(130, ExitCodes.For([Failed(unreachable: true), Failed(interrupted: true)]));
    }

    private static RolloutResult Rollout(RolloutPhase phase, bool timedOut = false, bool interrupted = false, string? error = null) =>
        new(new RolloutPlan(phase, [], null, 3, 0, 0, 0, 0, 0, 1), [], 0, timedOut, interrupted, error);

    [Fact]
    public void A_rollout_that_stopped_short_has_its_own_code()
    {
        Assert.Equal(0, ExitCodes.For(Rollout(RolloutPhase.Complete)));
        Assert.Equal(6, ExitCodes.For(Rollout(RolloutPhase.Halted)));
        Assert.Equal(6, ExitCodes.For(Rollout(RolloutPhase.Paused)));
        Assert.Equal(4, ExitCodes.For(Rollout(RolloutPhase.Rolling, timedOut: true)));
        Assert.Equal(3, ExitCodes.For(Rollout(RolloutPhase.Rolling, error: "no answer")));
        Assert.Equal(130, ExitCodes.For(Rollout(RolloutPhase.Rolling, interrupted: true)));
    }
}
