using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;

namespace KVEdge.Core.Controllers;

/// <summary>
/// Remediation under a RolloutPolicy (<see cref="RemediationPolicy"/>): a selected device that is unhealthy (its
/// instance runs but is not Ready: the health program's verdict through the readiness probe, or no guest agent, without
/// which the probe cannot pass) for longer than unhealthyFor is restarted, at most retryLimit times in retryWindow, with
/// an Event each time; then it is left unhealthy, and the policy's status says remediation gave up on it and why. While
/// more than maxUnhealthy of the selected devices are unhealthy at once, none is restarted and an Event says why
/// (cluster-api MachineHealthCheck's maxUnhealthy: a shared cause such as the hub or the network is not fixed by
/// restarts). A device in a rollout (waiting for or in its restart) is the rollout's, not remediation's.
/// A device counts as unhealthy once it has lost health: its instance was Ready and is not (a first boot, or any
/// instance that has not been Ready yet, is starting), or remediation restarted it within the window.
/// How long a device has been unhealthy is measured from when this controller first saw it so: after a handover the
/// clock starts again, so a device is restarted later, never sooner, than unhealthyFor says. The restarts made are
/// counted on the VM (<see cref="Mark"/>), so a new leader keeps to the limit.
/// </summary>
public sealed partial class Remediator(IClusterClient cluster, TimeProvider clock, EventRecorder events)
{
    /// <summary>"COUNT WINDOW-START": restarts made since the window started.</summary>
    public const string Mark = "kvedge.io/remediation";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _unhealthySince = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _told = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _seenReady = new(StringComparer.Ordinal);

    /// <summary>What remediation did for a group: devices it gave up on (and why), why it held back, whether it waits for a clock.</summary>
    public sealed record Outcome(IReadOnlyList<(string Name, string Reason)> GaveUp, string? HeldBack, bool Waiting);

    /// <param name="regarding">The object an Event about a device is recorded against (the policy, or the device).</param>
    public async Task<Outcome> RunAsync(string ns, string group, RemediationPolicy policy, IReadOnlyList<RolloutDevice> devices, Func<string, JsonObject?> vmOf,
        Func<string, JsonObject> regarding, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var active = devices.Where(d => d.State != RolloutState.Stopped).ToList();
        foreach (var d in active.Where(d => d.Ready || d.Instance is null))
        {
            _unhealthySince.TryRemove(d.Key, out _);
            if (d.Ready)
            {
                _seenReady[d.Key] = d.Instance!;
            }
        }

        // Unhealthy: health lost, not never had. An instance that has not been Ready since it started is starting (a
        // first boot installs IoT Edge for minutes), as MachineHealthCheck leaves a machine to its nodeStartupTimeout;
        // one this remediation restarted (its mark, within the window, survives a handover) is judged from its start.
        bool Lost(RolloutDevice d) => d.State is RolloutState.Current or RolloutState.Updated && !d.Ready && d.Instance is not null
            && (_seenReady.TryGetValue(d.Key, out var instance) && instance == d.Instance || Parse(vmOf(d.Name)) is { Count: > 0 } mark && now - mark.Start <= policy.RetryWindow);
        var unhealthy = active.Where(Lost).ToList();
        var limit = policy.MaxUnhealthy.Resolve(active.Count, roundUp: false);
        if (unhealthy.Count > limit)
        {
            var why = $"{unhealthy.Count} of {active.Count} selected devices are unhealthy, more than maxUnhealthy {policy.MaxUnhealthy} ({limit}): a shared cause (the hub, the network, the node) is not fixed by restarts, so none is restarted";
            if (_told.TryAdd($"{ns}/{group}/held", why))
            {
                await events.RecordAsync(ns, regarding(""), "RemediationSkipped", why, warning: true, ct).ConfigureAwait(false);
            }

            return new Outcome([], why, Waiting: false);
        }

        _told.TryRemove($"{ns}/{group}/held", out _);
        var gaveUp = new List<(string, string)>();
        var waiting = false;
        foreach (var device in unhealthy)
        {
            var since = _unhealthySince.GetOrAdd(device.Key, now);
            if (now - since < policy.UnhealthyFor)
            {
                waiting = true;
                continue;
            }

            var (count, start) = Parse(vmOf(device.Name));
            if (now - start > policy.RetryWindow)
            {
                (count, start) = (0, now);
            }

            var reason = device.Reason ?? "not Ready";
            if (count >= policy.RetryLimit)
            {
                var why = $"restarted {count} time(s) within {GoDuration.Format(policy.RetryWindow)} (retryLimit {policy.RetryLimit}) and still unhealthy: {reason}";
                gaveUp.Add((device.Name, DeviceConditions.Bounded(why)));
                if (_told.TryAdd($"{device.Key}/gave-up", why))
                {
                    await events.RecordAsync(ns, regarding(device.Name), "RemediationGaveUp", $"{device.Name}: {why}", warning: true, ct).ConfigureAwait(false);
                }

                continue;
            }

            _told.TryRemove($"{device.Key}/gave-up", out _);
            await cluster.MergePatchAsync(ClusterResource.VirtualMachine, ns, device.Name,
                RolloutMarks.Patch((Mark, $"{count + 1} {start.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}")), dryRun: false, ct).ConfigureAwait(false);
            var restart = await new RestartAction(cluster).RunAsync(new RestartOptions(ns, device.Name), ct).ConfigureAwait(false);
            _unhealthySince[device.Key] = now;
            await events.RecordAsync(ns, regarding(device.Name), restart.Failure is null ? "Remediated" : "RemediationFailed",
                restart.Failure is null
                    ? $"{device.Name}: restarted (restart {count + 1} of {policy.RetryLimit} within {GoDuration.Format(policy.RetryWindow)}): unhealthy for {GoDuration.Format(now - since)}: {reason}"
                    : $"{device.Name}: {restart.Failure.Message}",
                warning: restart.Failure is not null, ct).ConfigureAwait(false);
            waiting = true;
        }

        return new Outcome(gaveUp, null, waiting);
    }

    private static (int Count, DateTimeOffset Start) Parse(JsonObject? vm)
    {
        var text = vm?["metadata"]?["annotations"]?[Mark] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        return text is not null && Shape().Match(text) is { Success: true } m
            && DateTimeOffset.TryParse(m.Groups[2].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start)
            ? (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), start)
            : (0, DateTimeOffset.MinValue);
    }

    [GeneratedRegex(@"\A([0-9]{1,4}) ([0-9T:.Z-]{20,30})\z")]
    private static partial Regex Shape();
}
