using System.Globalization;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// An EdgeDevice's kstatus conditions from what its reconcile found: Ready always present; Reconciling True while the
/// controller works towards Ready; Stalled True when it cannot get there without a person (an invalid spec, a field
/// another manager owns, an import that failed). Ready is False while either is True, never both True
/// (cli-utils v0.37.2 pkg/kstatus/status/status.go; fluxcd/pkg runtime/conditions/check). Each carries the generation it
/// describes; a condition's lastTransitionTime changes only when its status does (metav1.Condition).
/// </summary>
public static class DeviceConditions
{
    /// <summary>A condition message's bound (metav1.Condition allows 32768; these are read in `kubectl describe`).</summary>
    public const int MaxMessage = 4096;

    /// <summary>The reason an invalid spec is Stalled with.</summary>
    public const string InvalidSpec = "InvalidSpec";

    /// <summary>IoT Hub or DPS did not register the device (throttled past the retries, unreachable, a missing right or Secret).</summary>
    public const string RegistrationFailed = "RegistrationFailed";

    /// <summary>The hub or DPS holds the device with another authentication type: a person decides (kvedge.io/force-identity).</summary>
    public const string IdentityConflict = "IdentityConflict";

    /// <summary>Failures a retry may clear (the cluster, a moment); the others wait for a person.</summary>
    public static bool IsTransient(string reason) =>
        reason is DeviceFailure.ApiError or DeviceFailure.ClusterUnavailable or DeviceFailure.Interrupted or DeviceFailure.BeingDeleted or RegistrationFailed;

    /// <summary>The conditions for a device whose reconcile stopped on <paramref name="reason"/>.</summary>
    public static List<EdgeDeviceCondition> Failed(string reason, string message, long generation, IList<EdgeDeviceCondition> previous, DateTimeOffset now)
    {
        var transient = IsTransient(reason);
        return Build(generation, previous, now,
            (EdgeDeviceCondition.Ready, "False", reason, message),
            transient ? (EdgeDeviceCondition.Reconciling, "True", reason, message) : null,
            transient ? null : (EdgeDeviceCondition.Stalled, "True", reason, message));
    }

    /// <summary>The reason of a device that runs well on an older revision while its applied change waits for a restart.</summary>
    public const string RestartPending = "RestartPending";

    /// <summary>
    /// The conditions for a device applied as its spec says, at <paramref name="readiness"/>. <paramref name="pending"/>:
    /// the revision the VM holds when its instance still runs an older one (KubeVirt applies a template change only at a
    /// restart, which the rollout makes, health-gated): the change is not in effect, so the device is Reconciling, not
    /// Ready, and `kubectl wait --for=condition=Ready` or a GitOps health check waits for the restart.
    /// </summary>
    public static List<EdgeDeviceCondition> Applied(DeviceReadiness readiness, long? generation, IList<EdgeDeviceCondition> previous, DateTimeOffset now, string? pending = null)
    {
        if (readiness.Stage == WaitStage.Ready && pending is not null)
        {
            var waiting = $"the VM runs and IoT Edge is healthy on an older revision; revision {pending} is applied and waits for its restart by the namespace's rollout (kvedge rollout status)";
            return Build(generation, previous, now, (EdgeDeviceCondition.Ready, "False", RestartPending, waiting),
                (EdgeDeviceCondition.Reconciling, "True", RestartPending, waiting), null);
        }

        if (readiness.Stage == WaitStage.Ready)
        {
            return Build(generation, previous, now, (EdgeDeviceCondition.Ready, "True", "Ready", "the VM runs and IoT Edge is healthy"), null, null);
        }

        var message = $"waiting for {readiness.Message}";
        return readiness.Stage switch
        {
            WaitStage.Failed => Build(generation, previous, now, (EdgeDeviceCondition.Ready, "False", readiness.Reason, readiness.Message), null,
                (EdgeDeviceCondition.Stalled, "True", readiness.Reason, readiness.Message)),
            // Stopped by its run strategy: a steady state, not work in progress.
            WaitStage.NotWaited => Build(generation, previous, now, (EdgeDeviceCondition.Ready, "False", readiness.Reason, readiness.Message), null, null),
            _ => Build(generation, previous, now, (EdgeDeviceCondition.Ready, "False", readiness.Reason, message),
                (EdgeDeviceCondition.Reconciling, "True", readiness.Reason, message), null),
        };
    }

    private static List<EdgeDeviceCondition> Build(long? generation, IList<EdgeDeviceCondition> previous, DateTimeOffset now,
        (string Type, string Status, string Reason, string Message) ready,
        (string Type, string Status, string Reason, string Message)? reconciling,
        (string Type, string Status, string Reason, string Message)? stalled)
    {
        var conditions = new List<EdgeDeviceCondition>();
        foreach (var c in new[] { ready, reconciling, stalled })
        {
            if (c is not { } value)
            {
                continue;
            }

            var before = previous.FirstOrDefault(p => p.Type == value.Type);
            conditions.Add(new EdgeDeviceCondition
            {
                Type = value.Type,
                Status = value.Status,
                ObservedGeneration = generation,
                LastTransitionTime = before is not null && before.Status == value.Status
                    ? before.LastTransitionTime
                    : now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                Reason = value.Reason,
                Message = Bounded(value.Message),
            });
        }

        return conditions;
    }

    /// <summary>Control characters escaped and the length bounded: a message may carry text the cluster or the guest sent.</summary>
    public static string Bounded(string message)
    {
        var escaped = DisplayText.Escape(message);
        return escaped.Length <= MaxMessage ? escaped : escaped[..(MaxMessage - 1)] + "…";
    }
}
