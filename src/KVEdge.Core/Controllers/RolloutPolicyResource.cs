using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;

namespace KVEdge.Core.Controllers;

/// <summary>
/// A RolloutPolicy custom resource as the operator reads it: whom it selects, the rollout knobs (the CLI's
/// <see cref="RolloutPolicy"/>), whether it is paused, and its remediation; or, for one the CRD's schema let through
/// but the rules refuse (a malformed selector), why: its devices are then not rolled at all, and its status says so.
/// </summary>
public sealed record RolloutPolicyResource(string Name, long Generation, JsonObject? Selector, JsonObject? CanarySelector, RolloutPolicy Policy, bool Paused, RemediationPolicy? Remediation, string? Error)
{
    /// <summary>The policy of devices no RolloutPolicy selects (no resource: no name).</summary>
    public static RolloutPolicyResource Default(RolloutPolicy policy) => new("", 0, null, null, policy, false, null, null);

    public bool IsDefault => Name.Length == 0;

    public static RolloutPolicyResource Parse(JsonObject cr)
    {
        var name = cr["metadata"]!["name"]!.GetValue<string>();
        var generation = cr["metadata"]?["generation"]?.GetValue<long>() ?? 1;
        var spec = cr["spec"] as JsonObject ?? [];
        var problems = new List<string>();

        CountOrPercent? Count(JsonNode? node, string field, CountOrPercent? fallback)
        {
            if (node is null)
            {
                return fallback;
            }

            var text = node.GetValueKind() == System.Text.Json.JsonValueKind.Number ? node.ToJsonString() : node.GetValue<string>();
            if (CountOrPercent.TryParse(text, out var value, out var error))
            {
                return value;
            }

            problems.Add($"spec.{field}: {error}");
            return fallback;
        }

        TimeSpan Duration(JsonNode? node, string field, TimeSpan fallback)
        {
            if (node is null)
            {
                return fallback;
            }

            if (GoDuration.TryParse(node.GetValue<string>(), out var value) && value > TimeSpan.Zero)
            {
                return value;
            }

            problems.Add($"spec.{field}: not a duration (90s, 10m, 1h30m)");
            return fallback;
        }

        var selector = spec["selector"] as JsonObject;
        var canarySelector = spec["canarySelector"] as JsonObject;
        foreach (var (s, field) in new[] { (selector, "selector"), (canarySelector, "canarySelector") })
        {
            if (LabelSelector.Matches(s, null, out var error) is null)
            {
                problems.Add($"spec.{field}.{error}");
            }
        }

        var maxUnavailable = Count(spec["maxUnavailable"], "maxUnavailable", CountOrPercent.Count(1))!.Value;
        if (maxUnavailable.Value == 0)
        {
            problems.Add("spec.maxUnavailable: must be at least 1, or nothing would ever restart");
        }

        var policy = new RolloutPolicy(
            Count(spec["canary"], "canary", null),
            canarySelector is null ? null : LabelSelector.Format(canarySelector),
            maxUnavailable,
            Count(spec["failureThreshold"], "failureThreshold", CountOrPercent.Count(1))!.Value,
            Duration(spec["progressDeadline"], "progressDeadline", RolloutPolicy.DefaultProgressDeadline));

        RemediationPolicy? remediation = null;
        if (spec["remediation"] is JsonObject r && r["enabled"]?.GetValue<bool>() != false)
        {
            remediation = new RemediationPolicy(
                Duration(r["unhealthyFor"], "remediation.unhealthyFor", RemediationPolicy.DefaultUnhealthyFor),
                r["retryLimit"]?.GetValue<int>() ?? RemediationPolicy.DefaultRetryLimit,
                Duration(r["retryWindow"], "remediation.retryWindow", RemediationPolicy.DefaultRetryWindow),
                Count(r["maxUnhealthy"], "remediation.maxUnhealthy", CountOrPercent.Percent(40))!.Value);
        }

        return new RolloutPolicyResource(name, generation, selector, canarySelector, policy, spec["paused"]?.GetValue<bool>() == true, remediation,
            problems.Count == 0 ? null : string.Join("; ", problems));
    }

    /// <summary>Whether this policy governs a device with these labels.</summary>
    public bool Selects(JsonObject? labels) => IsDefault || LabelSelector.Matches(Selector, labels, out _) == true;

    public bool IsCanary(JsonObject? labels) => CanarySelector is not null && LabelSelector.Matches(CanarySelector, labels, out _) == true;
}
