using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

/// <summary>
/// The writes a rollout makes, the same for the CLI (<see cref="RolloutAction"/>) and the operator, and what the process
/// that made them keeps until its caches show them: a restart, marked on the VM first (so a rerun knows it was asked
/// for) and then asked of KubeVirt; a failure, marked so the rollout stays halted. A plan made from a cache that lags
/// behind these writes must not restart a device twice, so <see cref="Observe"/> reads the VM as written until the
/// cache holds those marks, and a restart this process sent is not taken for one never sent.
/// </summary>
public sealed class RolloutLedger(IClusterClient cluster)
{
    private readonly ConcurrentDictionary<string, JsonObject> _written = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _sent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _refused = new(StringComparer.Ordinal);

    /// <summary>A device as <see cref="RolloutDevice.Observe"/> reads it, from its cached VM (or the one written while the cache lags) and VMI.</summary>
    public RolloutDevice Observe(string ns, string name, JsonObject? cachedVm, JsonObject? vmi, string rollout, bool changedNow, bool canary, DateTimeOffset now, TimeSpan deadline)
    {
        var key = $"{ns}/{name}";
        var sent = _sent.TryGetValue(key, out var instance) && instance == vmi?["metadata"]?["uid"]?.GetValue<string>();
        var device = RolloutDevice.Observe(ns, name, Vm(key, cachedVm), vmi, rollout, changedNow, canary, now, deadline, sent);
        return device.State == RolloutState.Failed && _refused.TryGetValue(key, out var refused) ? device with { Reason = refused } : device;
    }

    /// <summary>Whether this process has written the device's VM and its cache does not show that write yet: what <see cref="Vm"/> reads may change without an event.</summary>
    public bool Holds(string key) => _written.ContainsKey(key);

    /// <summary>The cached VM, or what this process last wrote to it while the cache does not show those marks yet.</summary>
    public JsonObject? Vm(string key, JsonObject? cached)
    {
        if (!_written.TryGetValue(key, out var mine))
        {
            return cached;
        }

        if (cached is not null && RolloutMarks.RestartOf(cached) == RolloutMarks.RestartOf(mine) && RolloutMarks.FailedOf(cached) == RolloutMarks.FailedOf(mine))
        {
            _written.TryRemove(key, out _);
            return cached;
        }

        return mine;
    }

    /// <summary>
    /// Restarts a device: its mark, then KubeVirt's restart subresource. One KubeVirt refuses (runStrategy Once or
    /// Halted; an earlier stop still queued) cannot get the change by a restart: it is marked failed, in KubeVirt's words.
    /// </summary>
    public async Task RestartAsync(RolloutDevice device, string rollout, DateTimeOffset now, CancellationToken ct)
    {
        _sent[device.Key] = device.Instance!;
        if (device.Undelivered)
        {
            // Read live, the VM first: virt-api records a restart in its status.stateChangeRequests, which virt-controller
            // clears only once the old instance is gone (kubevirt/kubevirt v1.9.0 pkg/virt-api/rest/lifecycle.go,
            // pkg/virt-controller/watch/vm/vm.go). No request on the VM, then that same instance still there and not
            // shutting down: the restart never arrived. Anything else: it did, and it is not asked twice.
            var live = await cluster.GetAsync(ClusterResource.VirtualMachine, device.Namespace, device.Name, ct).ConfigureAwait(false);
            var instance = await cluster.GetAsync(ClusterResource.VirtualMachineInstance, device.Namespace, device.Name, ct).ConfigureAwait(false);
            if (live is null || live["status"]?["stateChangeRequests"] is JsonArray { Count: > 0 } || instance?["metadata"]?["uid"]?.GetValue<string>() != device.Instance
                || instance?["metadata"]?["deletionTimestamp"] is not null)
            {
                if (live is not null)
                {
                    _written[device.Key] = live;
                }

                return;
            }
        }

        var mark = new RolloutMarks.RestartMark(rollout, device.Revision!, device.Instance!, now, device.Ready);
        _written[device.Key] = await cluster.MergePatchAsync(ClusterResource.VirtualMachine, device.Namespace, device.Name,
            RolloutMarks.Patch((RolloutMarks.Restart, mark.ToString())), dryRun: false, ct).ConfigureAwait(false);
        var restart = await new RestartAction(cluster).RunAsync(new RestartOptions(device.Namespace, device.Name), ct).ConfigureAwait(false);
        if (restart.Failure is { } failure)
        {
            _refused[device.Key] = failure.Message;
            await MarkFailedAsync(device, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Marks each failed device whose failure is not marked yet (read as <see cref="Vm"/> reads it); the ones it marked.</summary>
    public async Task<IReadOnlyList<RolloutDevice>> MarkFailedAsync(IEnumerable<RolloutDevice> devices, Func<RolloutDevice, JsonObject?> cachedVm, CancellationToken ct)
    {
        var marked = new List<RolloutDevice>();
        foreach (var device in devices.Where(d => d.State == RolloutState.Failed && RolloutMarks.FailedOf(Vm(d.Key, cachedVm(d))) != d.Revision))
        {
            await MarkFailedAsync(device, ct).ConfigureAwait(false);
            marked.Add(device);
        }

        return marked;
    }

    private async Task MarkFailedAsync(RolloutDevice device, CancellationToken ct) =>
        _written[device.Key] = await cluster.MergePatchAsync(ClusterResource.VirtualMachine, device.Namespace, device.Name,
            RolloutMarks.Patch((RolloutMarks.Failed, device.Revision)), dryRun: false, ct).ConfigureAwait(false);
}
