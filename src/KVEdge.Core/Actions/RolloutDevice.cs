using System.Text.Json.Nodes;

namespace KVEdge.Core.Actions;

/// <summary>One device as a rollout sees it: its state, whether it is Ready, and why not.</summary>
/// <param name="Canary">It matches the canary selector.</param>
/// <param name="Reason">For a device not Ready: DeviceReadiness's reason and message (what it waits for).</param>
/// <param name="InRollout">Its restart belongs to this rollout (what a canary count counts).</param>
/// <param name="Undelivered">Marked for this instance, but the caches show no sign KubeVirt got the restart: checked live
/// before it is asked again (<see cref="RolloutLedger.RestartAsync"/>), since two caches can disagree for a moment.</param>
public sealed record RolloutDevice(string Namespace, string Name, RolloutState State, bool Ready, bool Paused, bool Canary, RolloutMarks.RestartMark? Mark, string? Reason, string? Revision, string? Instance,
    bool InRollout = false, bool Undelivered = false)
{
    public string Key => $"{Namespace}/{Name}";

    /// <summary>Restarted by this rollout (whatever became of it).</summary>
    public bool Started => State is RolloutState.Restarting or RolloutState.Updated or RolloutState.Failed or RolloutState.StillUnhealthy;

    /// <summary>Counts against maxUnavailable: restarted and not back yet, or not Ready at all.</summary>
    public bool Unavailable => State is RolloutState.Restarting or RolloutState.Failed or RolloutState.StillUnhealthy || (State != RolloutState.Stopped && !Ready);

    /// <param name="vm">The device's VirtualMachine (its revision and the rollout's marks).</param>
    /// <param name="vmi">Its VirtualMachineInstance, or null.</param>
    /// <param name="rollout">This rollout's identity (<see cref="RolloutRevision.OfRollout"/>): which restarts a canary count counts.</param>
    /// <param name="changedNow">The apply just now found a change that needs a restart: what says an instance started before kvedge stamped revisions is behind.</param>
    /// <param name="restartSent">This process has sent the restart its mark records (KubeVirt may not show it yet).</param>
    public static RolloutDevice Observe(string ns, string name, JsonObject? vm, JsonObject? vmi, string rollout, bool changedNow, bool canary, DateTimeOffset now, TimeSpan deadline, bool restartSent = false)
    {
        var revision = RolloutMarks.RevisionOf(vm);
        var mark = RolloutMarks.RestartOf(vm);
        // A restart is for a revision of this device: one made for it, by any run or replica, is never made again.
        var ours = mark is not null && mark.Revision == revision;
        var deleting = vmi?["metadata"]?["deletionTimestamp"] is not null;
        var uid = vmi?["metadata"]?["uid"]?.GetValue<string>();
        var undelivered = false;
        if (ours && vmi is not null && uid == mark!.Instance && !deleting && !restartSent
            && vm?["status"]?["stateChangeRequests"] is not JsonArray { Count: > 0 })
        {
            // Marked, but the restart never reached KubeVirt (the run was killed between the two): virt-api records a
            // restart in the VM's status.stateChangeRequests before it answers, and the instance goes away after
            // (kubevirt/kubevirt v1.9.0 pkg/virt-api/rest/lifecycle.go). Neither happened: it is still to be restarted,
            // this instance once.
            ours = false;
            undelivered = true;
        }

        var ready = vmi is not null && !deleting && (!ours || uid != mark!.Instance) && DeviceReadiness.HasCondition(vmi, "Ready");
        var paused = RolloutMarks.IsPaused(vm);
        RolloutState state;
        if (revision is null)
        {
            state = vmi is null ? RolloutState.Stopped : RolloutState.Current;
        }
        else if (revision == RolloutMarks.FailedOf(vm))
        {
            state = RolloutState.Failed;
        }
        else if (ours)
        {
            state = ready ? RolloutState.Updated
                : now - mark!.At <= deadline ? RolloutState.Restarting
                : mark.WasReady ? RolloutState.Failed
                : RolloutState.StillUnhealthy;
        }
        else if (vmi is null)
        {
            state = RolloutState.Stopped;
        }
        else if (undelivered)
        {
            state = RolloutState.Pending;
        }
        else
        {
            // An instance on its way out (someone else restarts it) is left to that; its successor boots what is applied.
            var instanceRevision = RolloutMarks.InstanceRevisionOf(vmi);
            var behind = !deleting && (instanceRevision is null ? changedNow : instanceRevision != revision);
            state = behind ? RolloutState.Pending : RolloutState.Current;
        }

        string? reason = null;
        if (!ready && state != RolloutState.Stopped)
        {
            var readiness = DeviceReadiness.Of(name, vm, vmi, [], 0, ours ? mark!.Instance : null);
            reason = $"{readiness.Reason}: {readiness.Message}";
        }

        return new RolloutDevice(ns, name, state, ready, paused, canary, ours ? mark : null, reason, revision, uid, InRollout: ours && mark!.Rollout == rollout, Undelivered: undelivered && state == RolloutState.Pending);
    }
}
