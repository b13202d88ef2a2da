using System.Globalization;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary>
/// The rollout's live view, as lines on stderr (for terminals, logs and CI alike): each wave and the devices it restarts,
/// each device as it settles, and the counts when they change.
/// </summary>
internal sealed class RolloutReporter(HumanOutput human) : IRolloutReporter
{
    /// <summary>How many device names a wave's line lists before "and N more".</summary>
    public const int NamesPerLine = 10;

    private readonly Lock _gate = new();

    public void Wave(int wave, RolloutPhase phase, IReadOnlyList<RolloutDevice> restarting)
    {
        var names = string.Join(", ", restarting.Take(NamesPerLine).Select(d => d.Key))
            + (restarting.Count > NamesPerLine ? $" and {restarting.Count - NamesPerLine} more" : "");
        Line($"wave {wave.ToString(CultureInfo.InvariantCulture)}{(phase == RolloutPhase.Canary ? " (canary)" : "")}: restarting {names}");
    }

    public void Settled(RolloutDevice device) => Line(device.State switch
    {
        RolloutState.Updated => $"{device.Key}: updated (Ready on a new instance)",
        RolloutState.Failed => $"{device.Key}: failed: {device.Reason}",
        _ => $"{device.Key}: still not Ready after its restart (it was not Ready before it either, so it does not count as a failure of the change): {device.Reason}",
    });

    public void Progress(RolloutPlan plan) =>
        Line($"rollout: {plan.Updated} of {plan.Total} updated, {plan.Restarting} restarting, {plan.Pending} waiting, {plan.Failed} failed (not Ready {plan.Unavailable}, at most {plan.MaxUnavailable})");

    private void Line(string text)
    {
        lock (_gate)
        {
            human.Line(text);
        }
    }
}
