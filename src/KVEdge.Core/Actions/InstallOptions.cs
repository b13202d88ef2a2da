using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

public sealed record InstallOptions(bool Upgrade, DryRunMode DryRun, bool ForceConflicts, bool Wait, TimeSpan Timeout, bool Restart)
{
    public const string FieldManager = ApplyOptions.KvedgeFieldManager;

    /// <summary>The field manager the device's objects are applied as: kvedge's own, or the operator's.</summary>
    public string Manager { get; init; } = FieldManager;

    /// <summary>
    /// An ownerReference (apiVersion, kind, name, uid) put on the objects a device can do without (VM, cloud-init,
    /// config, root disk, Service), so the garbage collector removes them with their owner; never on the data disk and
    /// the credentials, which outlive it. The operator's EdgeDevice; null for the CLI.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject? Owner { get; init; }

    /// <summary>How long install waits for an object that is being deleted (an uninstall just before) to be gone.</summary>
    public TimeSpan DeletionWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often it looks while it waits for that.</summary>
    public TimeSpan DeletionPoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long --wait waits for the guest agent before it warns that it may never come.</summary>
    public TimeSpan AgentWarningAfter { get; init; } = FleetWaiter.DefaultAgentWarningAfter;

    /// <summary>How many devices are applied at once (--concurrency). Each device's objects still go in order.</summary>
    public int Concurrency { get; init; } = DefaultConcurrency;

    /// <summary>A rollout (<see cref="RolloutAction"/>) restarts the changed devices after the apply; none is restarted here.</summary>
    public bool Rollout { get; init; }

    public const int DefaultConcurrency = 16;

    /// <summary>
    /// The guest of a device --wait saw become Ready, for IoT Edge's own verdict in the summary (a device with no
    /// deployment yet says so); null when none is asked.
    /// </summary>
    public Func<WaitTarget, IGuestShell>? Guest { get; init; }
}
