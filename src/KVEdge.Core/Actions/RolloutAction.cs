using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge upgrade --rollout`: restarts the devices whose applied change needs one, as <see cref="RolloutPlanner"/>
/// decides, by watching (the operator's <see cref="Informer"/>s, one per namespace for VMs and one for VMIs), planning
/// again at each change and at least every <see cref="Tick"/> (for the progress deadline). Each restart is first
/// marked on the device's VM (<see cref="RolloutMarks.Restart"/>), then asked of KubeVirt (<see cref="RolloutLedger"/>):
/// a rerun after a kill, reading the marks, neither loses a restart nor makes one twice. A device that fails is marked too, so the rollout stays
/// halted until `kvedge rollout resume` or a new change. Ends when the plan is Complete, Halted or Paused, at the
/// deadline, or when interrupted. Each plan reads again only the devices that changed since the last (an event, a write
/// of this run) or whose state moves with time (restarting, not Ready): a fleet of a thousand is not read whole at each
/// of its events, which would make the engine's reaction to a device turning Ready grow with the fleet.
/// </summary>
public sealed class RolloutAction(IClusterClient cluster, IRolloutReporter reporter)
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How often the plan is made again when nothing changes (a progress deadline passes without an event).</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many marks and restarts are sent at once within a wave.</summary>
    public int Concurrency { get; init; } = InstallOptions.DefaultConcurrency;

    /// <summary>The guest of a failed device, for the health program's own reason in the report; null: the readiness reason alone.</summary>
    public Func<WaitTarget, IGuestShell>? Guest { get; init; }

    public async Task<RolloutResult> RunAsync(IReadOnlyList<RolloutTarget> targets, string rollout, RolloutPolicy policy, TimeSpan timeout, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var canaries = await CanariesAsync(targets, policy, ct).ConfigureAwait(false);
        var selector = StandardLabels.DeviceSelector(null);
        var informers = targets.Select(t => t.Namespace).Distinct(StringComparer.Ordinal)
            .SelectMany(ns => new[] { ClusterResource.VirtualMachine, ClusterResource.VirtualMachineInstance }.Select(r => (ns, r)))
            .ToDictionary(k => k, k => new Informer(cluster, k.r, k.ns, selector, Time));
        var changed = new SemaphoreSlim(0);
        var dirty = new HashSet<string>(StringComparer.Ordinal);
        string? listError = null;
        foreach (var informer in informers.Values)
        {
            informer.Changed += (_, obj) =>
            {
                lock (dirty)
                {
                    dirty.Add($"{obj["metadata"]?["namespace"]?.GetValue<string>()}/{obj["metadata"]?["name"]?.GetValue<string>()}");
                }

                changed.Release();
            };
            informer.ListFailed += ex =>
            {
                listError ??= ex.Message;
                changed.Release();
            };
        }

        var runs = informers.Values.Select(i => i.RunAsync(stop.Token)).ToList();
        var ledger = new RolloutLedger(cluster);
        var settled = new HashSet<string>(StringComparer.Ordinal);
        var observed = new Dictionary<string, RolloutDevice>(StringComparer.Ordinal);
        var deadline = Time.GetUtcNow() + timeout;
        var waves = 0;
        (RolloutPlan Plan, List<RolloutDevice> Devices)? last = null;
        try
        {
            while (true)
            {
                if (listError is null && informers.Values.Any(i => !i.HasSynced))
                {
                    await WaitAsync(changed, deadline, stop.Token).ConfigureAwait(false);
                    if (Time.GetUtcNow() >= deadline)
                    {
                        return new RolloutResult(Empty(), [], waves, TimedOut: true);
                    }

                    continue;
                }

                if (listError is not null)
                {
                    return new RolloutResult(last?.Plan ?? Empty(), last?.Devices ?? [], waves, Error: $"could not read the devices: {listError}");
                }

                var now = Time.GetUtcNow();
                HashSet<string> changedKeys;
                lock (dirty)
                {
                    changedKeys = [.. dirty];
                    dirty.Clear();
                }

                var devices = targets.Select(t =>
                {
                    var key = $"{t.Namespace}/{t.Name}";
                    if (!observed.TryGetValue(key, out var device) || changedKeys.Contains(key) || device.State == RolloutState.Restarting || !device.Ready || ledger.Holds(key))
                    {
                        device = ledger.Observe(t.Namespace, t.Name, Informer(ClusterResource.VirtualMachine, t.Namespace, t.Name),
                            Informer(ClusterResource.VirtualMachineInstance, t.Namespace, t.Name), rollout, t.ChangedNow, canaries.Contains(key), now, policy.ProgressDeadline);
                        observed[key] = device;
                    }

                    return device;
                }).ToList();
                foreach (var marked in await ledger.MarkFailedAsync(devices, d => Informer(ClusterResource.VirtualMachine, d.Namespace, d.Name), stop.Token).ConfigureAwait(false))
                {
                    observed.Remove(marked.Key);
                }

                var plan = RolloutPlanner.Plan(devices, policy);
                foreach (var device in devices.Where(d => d.State is RolloutState.Updated or RolloutState.Failed or RolloutState.StillUnhealthy && settled.Add(d.Key)))
                {
                    reporter.Settled(device);
                }

                if (last is null || last.Value.Plan with { Restart = [] } != plan with { Restart = [] })
                {
                    reporter.Progress(plan);
                }

                last = (plan, devices);
                if (plan.Finished)
                {
                    if (plan.Phase == RolloutPhase.Halted && Guest is not null)
                    {
                        // The failed devices' reasons now carry the health program's own verdict: the halt's words too.
                        devices = await WithVerdictsAsync(devices, ct).ConfigureAwait(false);
                        plan = RolloutPlanner.Plan(devices, policy);
                    }

                    return new RolloutResult(plan, devices, waves);
                }

                if (plan.Restart.Count > 0)
                {
                    waves++;
                    reporter.Wave(waves, plan.Phase, plan.Restart);
                    await Parallel.ForEachAsync(plan.Restart, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Concurrency), CancellationToken = stop.Token },
                        async (device, token) => await ledger.RestartAsync(device, rollout, now, token).ConfigureAwait(false)).ConfigureAwait(false);
                    foreach (var device in plan.Restart)
                    {
                        observed.Remove(device.Key);
                    }

                    continue;
                }

                await WaitAsync(changed, deadline, stop.Token).ConfigureAwait(false);
                if (Time.GetUtcNow() >= deadline)
                {
                    return new RolloutResult(plan, devices, waves, TimedOut: true);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new RolloutResult(last?.Plan ?? Empty(), last?.Devices ?? [], waves, Interrupted: true);
        }
        catch (ClusterUnavailableException ex)
        {
            return new RolloutResult(last?.Plan ?? Empty(), last?.Devices ?? [], waves, Error: ex.Message);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(runs).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        JsonObject? Informer(ClusterResource resource, string ns, string name) => informers[(ns, resource)].Get(ns, name);

        RolloutPlan Empty() => new(RolloutPhase.Rolling, [], null, targets.Count, 0, 0, 0, 0, 0, 0);
    }

    private async Task WaitAsync(SemaphoreSlim changed, DateTimeOffset deadline, CancellationToken ct)
    {
        var left = deadline - Time.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            return;
        }

        await changed.WaitAsync(left < Tick ? left : Tick, ct).ConfigureAwait(false);
        // Many events at once make one plan, not one each.
        while (changed.CurrentCount > 0 && changed.Wait(0, CancellationToken.None))
        {
        }
    }

    // The canary selector, evaluated by the API server (its own label selector rules and errors) over the devices' VMs.
    private async Task<HashSet<string>> CanariesAsync(IReadOnlyList<RolloutTarget> targets, RolloutPolicy policy, CancellationToken ct)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        if (policy.CanarySelector is not { } canary)
        {
            return keys;
        }

        var wanted = targets.Select(t => $"{t.Namespace}/{t.Name}").ToHashSet(StringComparer.Ordinal);
        foreach (var ns in targets.Select(t => t.Namespace).Distinct(StringComparer.Ordinal))
        {
            var list = await cluster.ListAsync(ClusterResource.VirtualMachine, ns, $"{StandardLabels.DeviceSelector(null)},{canary}", null, ct).ConfigureAwait(false);
            keys.UnionWith(list.Items.Select(vm => $"{ns}/{vm["metadata"]!["name"]!.GetValue<string>()}").Where(wanted.Contains));
        }

        return keys;
    }

    // The health program's own verdict of each failed device (a few, bounded in time), after the readiness reason.
    private async Task<List<RolloutDevice>> WithVerdictsAsync(List<RolloutDevice> devices, CancellationToken ct)
    {
        var failed = devices.Where(d => d.State == RolloutState.Failed).Take(InstallAction.MaxVerdicts).ToList();
        var verdicts = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(InstallAction.VerdictTimeout);
        await Parallel.ForEachAsync(failed, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (device, _) =>
        {
            try
            {
                var health = await new HealthAction(Guest!(new WaitTarget(device.Namespace, device.Name, 0))).RunAsync(bounded.Token).ConfigureAwait(false);
                if (health.Report is { } report)
                {
                    verdicts[device.Key] = $"IoT Edge: {report.Summary}";
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
        }).ConfigureAwait(false);
        return [.. devices.Select(d => verdicts.TryGetValue(d.Key, out var v) ? d with { Reason = $"{d.Reason}; {v}" } : d)];
    }
}
