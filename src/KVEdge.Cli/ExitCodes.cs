namespace KVEdge.Cli;

/// <summary>Documented exit codes; scripts depend on them, so values never change.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Something failed that is not the input's fault (I/O, an internal error).</summary>
    public const int Failure = 1;

    /// <summary>The input, or the command line, is invalid; nothing was written or applied.</summary>
    public const int InvalidInput = 2;

    /// <summary>No cluster: no kubeconfig found, or the API server does not answer. Nothing was applied.</summary>
    public const int ClusterUnavailable = 3;

    /// <summary>--wait ran out of --timeout; what was applied stays applied.</summary>
    public const int WaitTimeout = 4;

    /// <summary>Server-side apply found fields owned by another manager; --force-conflicts takes them over.</summary>
    public const int Conflict = 5;

    /// <summary>
    /// A rollout stopped before every device had the change: a canary failed, failures reached --failure-threshold, or
    /// the devices still waiting are paused. What was restarted stays; `kvedge rollout status` says where it stands.
    /// </summary>
    public const int RolloutHalted = 6;

    /// <summary>Interrupted by Ctrl-C (SIGINT), as a shell reports it (128 + 2); what was applied stays applied.</summary>
    public const int Interrupted = 130;

    /// <summary>
    /// The one mapping from the devices' outcomes (install, upgrade, uninstall) to the exit code scripts see: success
    /// when every device succeeded; otherwise the most telling failure among them, in this order: interrupted, no
    /// cluster, --wait timed out, a field conflict, anything else.
    /// </summary>
    public static int For(IReadOnlyCollection<KVEdge.Core.Actions.DeviceOutcome> outcomes) =>
        outcomes.Any(o => o.Interrupted) ? Interrupted
        : outcomes.All(o => o.Succeeded) ? Success
        : outcomes.Any(o => o.Unreachable) ? ClusterUnavailable
        : outcomes.Any(o => o.TimedOut) ? WaitTimeout
        : outcomes.Any(o => o.Conflict) ? Conflict
        : Failure;

    /// <summary>The one mapping from a rollout's end to the exit code scripts see.</summary>
    public static int For(KVEdge.Core.Actions.RolloutResult rollout) =>
        rollout.Interrupted ? Interrupted
        : rollout.Error is not null ? ClusterUnavailable
        : rollout.TimedOut ? WaitTimeout
        : rollout.Plan.Phase is KVEdge.Core.Actions.RolloutPhase.Halted or KVEdge.Core.Actions.RolloutPhase.Paused ? RolloutHalted
        : Success;

    /// <summary>The one mapping from a core action's failure to the exit code scripts see.</summary>
    public static int For(KVEdge.Core.Actions.FailureKind kind) => kind switch
    {
        KVEdge.Core.Actions.FailureKind.InvalidInput => InvalidInput,
        _ => Failure,
    };
}
