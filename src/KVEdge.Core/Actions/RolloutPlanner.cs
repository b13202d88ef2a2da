namespace KVEdge.Core.Actions;

/// <summary>
/// The rollout engine's decisions, from the devices' observed states alone (no request, no clock): the CLI's
/// `upgrade --rollout` and the operator plan with it, and act on the plan (a restart, a mark); so a rerun or another
/// replica, observing the same cluster, decides the same. As a Deployment's rolling update counts availability
/// (kubernetes pkg/controller/deployment/rolling.go), a device not Ready counts against maxUnavailable whether the
/// rollout made it so or it was unhealthy before; one that is already unavailable can be restarted without taking
/// another device down, so those go first (after the canary, which must prove the change on a healthy device).
/// </summary>
public static class RolloutPlanner
{
    public static RolloutPlan Plan(IReadOnlyList<RolloutDevice> devices, RolloutPolicy policy)
    {
        var active = devices.Where(d => d.State != RolloutState.Stopped).ToList();
        var maxUnavailable = policy.MaxUnavailable.Resolve(active.Count, roundUp: false, atLeast: 1);
        var threshold = policy.FailureThreshold.Resolve(active.Count, roundUp: true, atLeast: 1);
        var unavailable = active.Count(d => d.Unavailable);
        var failed = active.Where(d => d.State == RolloutState.Failed).ToList();
        var restarting = active.Count(d => d.State == RolloutState.Restarting);
        var pendingAll = active.Where(d => d.State == RolloutState.Pending).ToList();
        var pending = pendingAll.Where(d => !d.Paused).OrderBy(d => d.Namespace, StringComparer.Ordinal).ThenBy(d => d.Name, StringComparer.Ordinal).ToList();
        var started = active.Count(d => d.Started && d.InRollout);
        var updated = active.Count(d => d.State == RolloutState.Updated);

        RolloutPlan Make(RolloutPhase phase, IReadOnlyList<RolloutDevice> restart, string? halt = null) =>
            new(phase, restart, halt, active.Count, updated, pendingAll.Count, restarting, failed.Count, unavailable, maxUnavailable);

        // The canary: by selector, every selected device that is not done; by count, the first N devices this rollout
        // restarts (it counts its own restarts, which its marks record).
        bool inCanary;
        List<RolloutDevice> candidates;
        if (policy.CanarySelector is not null)
        {
            inCanary = active.Any(d => d.Canary && d.State is RolloutState.Pending or RolloutState.Restarting or RolloutState.Failed);
            candidates = inCanary ? [.. pending.Where(d => d.Canary)] : pending;
        }
        else if (policy.Canary is { } canary && canary.Resolve(active.Count, roundUp: true) is var n and > 0 && started <= n)
        {
            var settled = active.Where(d => d.Started && d.InRollout).All(d => d.State is RolloutState.Updated or RolloutState.StillUnhealthy);
            inCanary = !((started == n || pending.Count == 0) && settled);
            // A canary proves the change on a device that was healthy; an unhealthy one proves nothing.
            candidates = inCanary ? [.. pending.OrderBy(d => d.Ready ? 0 : 1).Take(n - started)] : pending;
        }
        else
        {
            inCanary = false;
            candidates = pending;
        }

        if (failed.Count > 0 && (inCanary || failed.Count >= threshold))
        {
            var why = string.Join("; ", failed.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}: {d.Reason ?? "not Ready"}"));
            return Make(RolloutPhase.Halted, [],
                inCanary ? $"the canary failed ({why})" : $"{failed.Count} device(s) failed, the failure threshold is {threshold} ({why})");
        }

        if (pendingAll.Count == 0 && restarting == 0)
        {
            return Make(RolloutPhase.Complete, []);
        }

        if (pending.Count == 0 && restarting == 0)
        {
            return Make(RolloutPhase.Paused, []);
        }

        var budget = maxUnavailable - unavailable;
        var restart = new List<RolloutDevice>();
        foreach (var device in inCanary ? candidates : [.. candidates.OrderBy(d => d.Ready ? 1 : 0)])
        {
            if (!device.Ready)
            {
                restart.Add(device);
            }
            else if (budget > 0)
            {
                restart.Add(device);
                budget--;
            }
        }

        return Make(inCanary ? RolloutPhase.Canary : RolloutPhase.Rolling, restart);
    }
}
