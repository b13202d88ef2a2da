using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge rollout status|pause|resume`: reads, or sets, the rollout marks of a set of devices (a fleet's, or those a
/// label selector picks in a namespace or all of them). Pause marks each device so no restart starts for it (one
/// running goes on); resume removes that mark and the failure marks that hold a halted rollout, so the next
/// `upgrade --rollout` (or the operator) judges those devices again: Ready now is done, still not Ready halts again.
/// </summary>
public sealed class RolloutControlAction(IClusterClient cluster)
{
    /// <summary>The devices selected: by name (a fleet), or by namespace (null: all) and label selector.</summary>
    public sealed record Selection(IReadOnlyList<(string Namespace, string Name)>? Devices, string? Namespace, string? LabelSelector);

    public async Task<IReadOnlyList<RolloutDevice>> StatusAsync(Selection selection, TimeSpan progressDeadline, DateTimeOffset now, CancellationToken ct)
    {
        var (vms, vmis) = await ReadAsync(selection, ct).ConfigureAwait(false);
        return [.. vms.Select(vm =>
        {
            var (ns, name) = Key(vm);
            // Judged against the rollout its last restart belongs to: the one it took part in.
            var rollout = RolloutMarks.RestartOf(vm)?.Rollout ?? "";
            return RolloutDevice.Observe(ns, name, vm, vmis.GetValueOrDefault((ns, name)), rollout, changedNow: false, canary: false, now, progressDeadline);
        })];
    }

    /// <summary>Sets or clears the pause mark (and, on resume, the failure marks); the devices it changed.</summary>
    public async Task<IReadOnlyList<(string Namespace, string Name)>> SetPausedAsync(Selection selection, bool paused, CancellationToken ct)
    {
        var (vms, _) = await ReadAsync(selection, ct).ConfigureAwait(false);
        var changed = new List<(string, string)>();
        foreach (var vm in vms)
        {
            var needed = paused ? !RolloutMarks.IsPaused(vm) : RolloutMarks.IsPaused(vm) || vm["metadata"]?["annotations"]?[RolloutMarks.Failed] is not null;
            if (!needed)
            {
                continue;
            }

            var (ns, name) = Key(vm);
            var patch = paused ? RolloutMarks.Patch((RolloutMarks.Paused, "true")) : RolloutMarks.Patch((RolloutMarks.Paused, null), (RolloutMarks.Failed, null));
            await cluster.MergePatchAsync(ClusterResource.VirtualMachine, ns, name, patch, dryRun: false, ct).ConfigureAwait(false);
            changed.Add((ns, name));
        }

        return changed;
    }

    private async Task<(List<JsonObject> Vms, Dictionary<(string, string), JsonObject> Vmis)> ReadAsync(Selection selection, CancellationToken ct)
    {
        var selector = StandardLabels.DeviceSelector(null) + (selection.LabelSelector is { } extra ? "," + extra : "");
        var namespaces = selection.Devices is { } devices ? devices.Select(d => (string?)d.Namespace).Distinct().ToList() : [selection.Namespace];
        var wanted = selection.Devices?.ToHashSet();
        var vms = new List<JsonObject>();
        var vmis = new Dictionary<(string, string), JsonObject>();
        foreach (var ns in namespaces)
        {
            vms.AddRange((await cluster.ListAsync(ClusterResource.VirtualMachine, ns, selector, null, ct).ConfigureAwait(false)).Items
                .Where(vm => wanted is null || wanted.Contains(Key(vm))));
            foreach (var vmi in (await cluster.ListAsync(ClusterResource.VirtualMachineInstance, ns, StandardLabels.DeviceSelector(null), null, ct).ConfigureAwait(false)).Items)
            {
                vmis[Key(vmi)] = vmi;
            }
        }

        vms.Sort((a, b) => StringComparer.Ordinal.Compare($"{Key(a).Item1}/{Key(a).Item2}", $"{Key(b).Item1}/{Key(b).Item2}"));
        return (vms, vmis);
    }

    private static (string, string) Key(JsonObject obj) => (obj["metadata"]!["namespace"]!.GetValue<string>(), obj["metadata"]!["name"]!.GetValue<string>());
}
