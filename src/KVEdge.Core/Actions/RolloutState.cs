namespace KVEdge.Core.Actions;

/// <summary>Where a device stands in a rollout, read from its VM's marks and its instance (<see cref="RolloutDevice.Observe"/>).</summary>
public enum RolloutState
{
    /// <summary>Its instance runs what is applied, and this rollout did not restart it.</summary>
    Current,

    /// <summary>Its instance runs an older revision: a restart would bring the change.</summary>
    Pending,

    /// <summary>Restarted by this rollout; not Ready yet, within the progress deadline.</summary>
    Restarting,

    /// <summary>Restarted by this rollout and Ready again on a new instance.</summary>
    Updated,

    /// <summary>Ready before its restart, not Ready within the progress deadline after it: the change failed here.</summary>
    Failed,

    /// <summary>Not Ready before its restart and still not after it: against the budget, not a failure of the change.</summary>
    StillUnhealthy,

    /// <summary>No instance (its VM is stopped): the change applies when it starts; nothing to restart.</summary>
    Stopped,
}
