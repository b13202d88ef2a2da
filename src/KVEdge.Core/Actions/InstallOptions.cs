using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

public sealed record InstallOptions(bool Upgrade, DryRunMode DryRun, bool ForceConflicts, bool Wait, TimeSpan Timeout, bool Restart)
{
    public const string FieldManager = ApplyOptions.KvedgeFieldManager;

    /// <summary>How long install waits for an object that is being deleted (an uninstall just before) to be gone.</summary>
    public TimeSpan DeletionWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often it looks while it waits for that.</summary>
    public TimeSpan DeletionPoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long --wait waits for the guest agent before it warns that it may never come.</summary>
    public TimeSpan AgentWarningAfter { get; init; } = FleetWaiter.DefaultAgentWarningAfter;

    /// <summary>How many devices are applied at once (--concurrency). Each device's objects still go in order.</summary>
    public int Concurrency { get; init; } = DefaultConcurrency;

    public const int DefaultConcurrency = 16;

    /// <summary>
    /// The guest of a device --wait saw become Ready, for IoT Edge's own verdict in the summary (a device with no
    /// deployment yet says so); null when none is asked.
    /// </summary>
    public Func<WaitTarget, IGuestShell>? Guest { get; init; }
}
