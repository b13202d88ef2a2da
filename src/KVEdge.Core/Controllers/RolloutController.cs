using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Controllers;

/// <summary>
/// The operator's rollouts: one reconcile per namespace (its key on the EdgeDevice controller's queue is NS/*, a name no
/// device can have), which groups the namespace's EdgeDevices by the first RolloutPolicy (by name) that selects them,
/// and devices no policy selects under <see cref="ControllerOptions.DefaultRollout"/> (one at a time, halting on the
/// first failure), then plans each group with the CLI's engine (<see cref="RolloutPlanner"/>) from the caches and acts
/// as `upgrade --rollout` does (<see cref="RolloutLedger"/>): the marks on the VMs are the only state, so another replica
/// after a handover resumes where this one stopped. A policy's status and Events say which wave runs, which devices are
/// done, and why a rollout halted. Without the RolloutPolicy CRD installed, every device rolls by the default.
/// </summary>
public sealed class RolloutController
{
    /// <summary>The name part of a namespace's rollout key.</summary>
    public const string KeyName = "*";

    private readonly IClusterClient _cluster;
    private readonly ControllerOptions _options;
    private readonly TimeProvider _clock;
    private readonly Informer _devices;
    private readonly Informer _vms;
    private readonly Informer _vmis;
    private readonly EventRecorder _events;
    private readonly ConcurrentDictionary<string, bool> _changedNow = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RolloutPhase> _phases = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _rollouts = new(StringComparer.Ordinal);
    private volatile bool _policiesMissing;
    private readonly Remediator _remediator;
    private readonly RolloutLedger _ledger;

    public RolloutController(IClusterClient cluster, ControllerOptions options, TimeProvider clock, Informer devices, Informer vms, Informer vmis, EventRecorder events)
    {
        (_cluster, _options, _clock, _devices, _vms, _vmis, _events) = (cluster, options, clock, devices, vms, vmis, events);
        _remediator = new Remediator(cluster, clock, events);
        _ledger = new RolloutLedger(cluster);
        Policies = new Informer(cluster, ClusterResource.RolloutPolicy, options.Namespace, null, clock)
        {
            Transform = CacheTransform.Compact(keepManager: null, digestLongStrings: false),
        };
        Policies.ListFailed += ex =>
        {
            // No RolloutPolicy CRD (an operator upgraded before its chart's CRDs): the default policy for all; the
            // informer keeps trying, and policies count from the moment the CRD is there.
            if (ex is ClusterApiException { Status: System.Net.HttpStatusCode.NotFound })
            {
                _policiesMissing = true;
            }
        };
    }

    public Informer Policies { get; }

    /// <summary>What the controller did, a line at a time.</summary>
    public event Action<string>? Log;

    public static string Key(string? ns) => $"{ns}/{KeyName}";

    /// <summary>The apply of a device just found a change that needs a restart (an instance from before revisions has no revision to compare).</summary>
    public void ChangedNow(string ns, string name) => _changedNow[$"{ns}/{name}"] = true;

    public async Task<ControllerResult> ReconcileAsync(string ns, CancellationToken ct)
    {
        if (!Policies.HasSynced && !_policiesMissing)
        {
            return ControllerResult.RequeueAfter(TimeSpan.FromSeconds(1));
        }

        var policies = Policies.List(ns).OrderBy(p => p["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal).Select(RolloutPolicyResource.Parse).ToList();
        var fallback = RolloutPolicyResource.Default(_options.DefaultRollout);
        var groups = new Dictionary<RolloutPolicyResource, List<JsonObject>>();
        foreach (var device in _devices.List(ns))
        {
            if (device["metadata"]?["deletionTimestamp"] is not null || device["spec"]?["suspend"]?.GetValue<bool>() == true)
            {
                continue;
            }

            var labels = device["metadata"]?["labels"] as JsonObject;
            var policy = policies.FirstOrDefault(p => p.Selects(labels)) ?? fallback;
            (groups.TryGetValue(policy, out var list) ? list : groups[policy] = []).Add(device);
        }

        var busy = false;
        foreach (var policy in policies.Where(p => !groups.ContainsKey(p)))
        {
            groups[policy] = [];
        }

        foreach (var (policy, devices) in groups)
        {
            busy |= await RollAsync(ns, policy, devices, ct).ConfigureAwait(false);
        }

        return busy ? ControllerResult.RequeueAfter(_options.RolloutTick) : ControllerResult.Done;
    }

    // One group: observe, mark new failures, plan, restart; the policy's status. True while it is under way.
    private async Task<bool> RollAsync(string ns, RolloutPolicyResource policy, List<JsonObject> crs, CancellationToken ct)
    {
        if (policy.Error is { } error)
        {
            await WriteStatusAsync(ns, policy, null, [], null, $"the policy is invalid, so its devices are not rolled: {error}", ct).ConfigureAwait(false);
            return false;
        }

        var now = _clock.GetUtcNow();
        var names = crs.Select(cr => cr["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList();
        // A rollout's identity holds while it is under way (devices are applied one by one, each changing the digest);
        // a new one starts once the last completed: for a policy it is kept in its status, for the default group here.
        var phaseKey = $"{ns}/{policy.Name}";
        var rollout = CurrentRollout(ns, policy)
            ?? RolloutRevision.OfRollout(names.Select(n => (ns, n, RolloutMarks.RevisionOf(_vms.Get(ns, n)) ?? "")));
        var labels = crs.ToDictionary(cr => cr["metadata"]!["name"]!.GetValue<string>(), cr => cr["metadata"]?["labels"] as JsonObject, StringComparer.Ordinal);
        var devices = names.Select(name =>
        {
            var device = _ledger.Observe(ns, name, _vms.Get(ns, name), _vmis.Get(ns, name), rollout, _changedNow.ContainsKey($"{ns}/{name}"), policy.IsCanary(labels[name]), now,
                policy.Policy.ProgressDeadline);
            if (device.State is not RolloutState.Pending)
            {
                // The change that needed a restart is in (or the device is out of the rollout's hands): no longer news.
                _changedNow.TryRemove(device.Key, out _);
            }

            return policy.Paused ? device with { Paused = true } : device;
        }).ToList();

        foreach (var failed in await _ledger.MarkFailedAsync(devices, d => _vms.Get(ns, d.Name), ct).ConfigureAwait(false))
        {
            await RecordAsync(ns, policy, failed.Name, "RolloutDeviceFailed", $"{failed.Key}: {failed.Reason}", warning: true, ct).ConfigureAwait(false);
        }

        var plan = RolloutPlanner.Plan(devices, policy.Policy);
        if (plan.Phase == RolloutPhase.Complete)
        {
            _rollouts.TryRemove(phaseKey, out _);
        }
        else
        {
            _rollouts[phaseKey] = rollout;
        }

        var halted = _phases.TryGetValue(phaseKey, out var previous) && previous == RolloutPhase.Halted;
        _phases[phaseKey] = plan.Phase;
        if (plan.Phase == RolloutPhase.Halted && !halted)
        {
            await RecordAsync(ns, policy, devices.First(d => d.State == RolloutState.Failed).Name, "RolloutHalted", plan.HaltReason!, warning: true, ct).ConfigureAwait(false);
            Log?.Invoke($"{ns}: rollout halted{(policy.IsDefault ? "" : $" (RolloutPolicy {policy.Name})")}: {DeviceConditions.Bounded(plan.HaltReason!)}");
        }

        if (plan.Restart.Count > 0)
        {
            Log?.Invoke($"{ns}: {(plan.Phase == RolloutPhase.Canary ? "canary" : "wave")}: restarting {string.Join(", ", plan.Restart.Select(d => d.Name))}");
            await RecordAsync(ns, policy, plan.Restart[0].Name, plan.Phase == RolloutPhase.Canary ? "RolloutCanary" : "RolloutWave",
                $"restarting {string.Join(", ", plan.Restart.Select(d => d.Name))} ({plan.Updated} of {plan.Total} updated)", warning: false, ct).ConfigureAwait(false);
            foreach (var device in plan.Restart)
            {
                await _ledger.RestartAsync(device, rollout, now, ct).ConfigureAwait(false);
            }
        }

        Remediator.Outcome? remediation = null;
        if (policy.Remediation is { } settings)
        {
            remediation = await _remediator.RunAsync(ns, policy.Name, settings, devices, n => _ledger.Vm($"{ns}/{n}", _vms.Get(ns, n)), n => Regarding(ns, policy, n), ct).ConfigureAwait(false);
        }

        await WriteStatusAsync(ns, policy, plan, devices, rollout, null, ct, remediation).ConfigureAwait(false);
        return plan.Phase is RolloutPhase.Canary or RolloutPhase.Rolling || remediation?.Waiting == true;
    }

    // The rollout under way for this group: this controller's, else (after a handover) the one the policy's status
    // names unless that one completed.
    private string? CurrentRollout(string ns, RolloutPolicyResource policy)
    {
        if (_rollouts.TryGetValue($"{ns}/{policy.Name}", out var mine))
        {
            return mine;
        }

        var status = policy.IsDefault ? null : Policies.Get(ns, policy.Name)?["status"];
        return status?["phase"]?.GetValue<string>() is { } phase && phase != nameof(RolloutPhase.Complete) && status["rollout"]?.GetValue<string>() is { } id && id.Length == 16
            ? id
            : null;
    }

    // An Event about the policy, or for the default group (no policy object) about the device.
    private Task<bool> RecordAsync(string ns, RolloutPolicyResource policy, string device, string reason, string note, bool warning, CancellationToken ct) =>
        _events.RecordAsync(ns, policy.IsDefault ? Regarding(ns, policy, device) : Regarding(ns, policy, ""), reason, note, warning, ct);

    // The device (when named), else the policy.
    private JsonObject Regarding(string ns, RolloutPolicyResource policy, string device) => device.Length > 0 || policy.IsDefault
        ? new JsonObject { ["apiVersion"] = EdgeDevice.ApiVersionValue, ["kind"] = EdgeDevice.KindValue, ["name"] = device, ["namespace"] = ns, ["uid"] = _devices.Get(ns, device)?["metadata"]?["uid"]?.DeepClone() }
        : new JsonObject { ["apiVersion"] = EdgeDevice.ApiVersionValue, ["kind"] = RolloutPolicyCrd.Kind, ["name"] = policy.Name, ["namespace"] = ns, ["uid"] = Policies.Get(ns, policy.Name)?["metadata"]?["uid"]?.DeepClone() };

    // The policy's status, only when it changed: the phase, the counts, the failed devices and why, and kstatus
    // conditions (Ready when complete, Reconciling while it rolls, Stalled when halted or invalid).
    private async Task WriteStatusAsync(string ns, RolloutPolicyResource policy, RolloutPlan? plan, IReadOnlyList<RolloutDevice> devices, string? rollout, string? invalid, CancellationToken ct,
        Remediator.Outcome? remediation = null)
    {
        if (policy.IsDefault || Policies.Get(ns, policy.Name) is not { } cr)
        {
            return;
        }

        var phase = invalid is not null ? "Invalid" : plan!.Phase.ToString();
        var stalled = invalid ?? (plan!.Phase == RolloutPhase.Halted ? plan.HaltReason : null);
        var message = stalled ?? (plan!.Phase switch
        {
            RolloutPhase.Complete => $"{plan.Total} device(s) run what is applied",
            RolloutPhase.Paused => $"{plan.Pending} device(s) wait: the rollout is paused",
            _ => $"{plan.Updated} of {plan.Total} updated, {plan.Restarting} restarting, {plan.Pending} waiting",
        });
        message = DeviceConditions.Bounded(message);
        var previous = cr["status"]?["conditions"] as JsonArray;
        var now = _clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        JsonObject Condition(string type, bool status, string reason)
        {
            var before = previous?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
            var value = status ? "True" : "False";
            return new JsonObject
            {
                ["type"] = type,
                ["status"] = value,
                ["reason"] = reason,
                ["message"] = message,
                ["observedGeneration"] = policy.Generation,
                ["lastTransitionTime"] = before?["status"]?.GetValue<string>() == value ? before["lastTransitionTime"]?.DeepClone() : now,
            };
        }

        var reason = invalid is not null ? "InvalidPolicy" : plan!.Phase switch
        {
            RolloutPhase.Halted => "RolloutHalted",
            RolloutPhase.Complete => "RolloutComplete",
            RolloutPhase.Paused => "RolloutPaused",
            RolloutPhase.Canary => "RolloutCanary",
            _ => "RollingUpdate",
        };
        var status = new JsonObject
        {
            ["observedGeneration"] = policy.Generation,
            ["phase"] = phase,
            ["rollout"] = rollout ?? "",
            ["devices"] = plan?.Total ?? 0,
            ["updated"] = plan?.Updated ?? 0,
            ["pending"] = plan?.Pending ?? 0,
            ["restarting"] = plan?.Restarting ?? 0,
            ["failed"] = plan?.Failed ?? 0,
            ["unhealthy"] = devices.Count(d => d.State != RolloutState.Stopped && !d.Ready),
            ["failedDevices"] = new JsonArray([.. devices.Where(d => d.State == RolloutState.Failed).Take(20)
                .Select(d => (JsonNode)new JsonObject { ["name"] = d.Name, ["reason"] = DeviceConditions.Bounded(d.Reason ?? "not Ready") })]),
            ["conditions"] = new JsonArray(
                Condition("Ready", plan?.Phase == RolloutPhase.Complete, reason),
                Condition("Reconciling", plan?.Phase is RolloutPhase.Canary or RolloutPhase.Rolling, reason),
                Condition("Stalled", stalled is not null, reason)),
        };
        if (remediation is not null)
        {
            var summary = new JsonObject
            {
                ["gaveUp"] = new JsonArray([.. remediation.GaveUp.Take(20).Select(g => (JsonNode)new JsonObject { ["name"] = g.Name, ["reason"] = g.Reason })]),
            };
            if (remediation.HeldBack is { } held)
            {
                summary["heldBack"] = DeviceConditions.Bounded(held);
            }

            status["remediation"] = summary;
            var gaveUp = remediation.GaveUp.Count > 0;
            var note = gaveUp ? DeviceConditions.Bounded(string.Join("; ", remediation.GaveUp.Select(g => $"{g.Name}: {g.Reason}"))) : "no device given up on";
            var before = previous?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == "RemediationGaveUp");
            status["conditions"]!.AsArray().Add((JsonNode)new JsonObject
            {
                ["type"] = "RemediationGaveUp",
                ["status"] = gaveUp ? "True" : "False",
                ["reason"] = gaveUp ? "RetryLimitReached" : "WithinRetryLimit",
                ["message"] = note,
                ["observedGeneration"] = policy.Generation,
                ["lastTransitionTime"] = before?["status"]?.GetValue<string>() == (gaveUp ? "True" : "False") ? before["lastTransitionTime"]?.DeepClone() : now,
            });
        }
        if (JsonNode.DeepEquals(Comparable(status), Comparable(cr["status"] as JsonObject)))
        {
            return;
        }

        await _cluster.ApplyStatusAsync(ClusterResource.RolloutPolicy, new JsonObject
        {
            ["apiVersion"] = EdgeDevice.ApiVersionValue,
            ["kind"] = RolloutPolicyCrd.Kind,
            ["metadata"] = new JsonObject { ["name"] = policy.Name, ["namespace"] = ns },
            ["status"] = status,
        }, new ApplyOptions(ControllerOptions.FieldManager, Force: true, DryRun: false), ct).ConfigureAwait(false);
    }

    // The status without its transition times: a reconcile that changes nothing else writes nothing.
    private static JsonObject? Comparable(JsonObject? status)
    {
        if (status?.DeepClone() is not JsonObject copy)
        {
            return null;
        }

        foreach (var c in (copy["conditions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            c.Remove("lastTransitionTime");
        }

        return copy;
    }
}
