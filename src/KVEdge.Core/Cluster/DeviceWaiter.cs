using System.Text.Json.Nodes;
using KVEdge.Core.Rendering;

namespace KVEdge.Core.Cluster;

/// <summary>
/// Waits, by watching (not polling), for a device to come up: its DataVolumes' imports to succeed, its VM to be Ready,
/// then the guest agent to connect (VMI condition AgentConnected). A watch that ends (timeout, dropped connection) or
/// expires (410 Gone) is followed by a fresh list and a new watch, so no change is missed.
/// </summary>
public sealed class DeviceWaiter(IClusterClient cluster, IInstallReporter reporter)
{
    public async Task WaitAsync(string ns, string device, CancellationToken ct)
    {
        var byDevice = $"{StandardLabels.Device}={device}";
        reporter.Waiting(device, "the DataVolumes to import");
        var reported = new Dictionary<string, string>(StringComparer.Ordinal);
        await UntilAsync(ClusterResource.DataVolume, ns, byDevice, null, items =>
        {
            foreach (var dv in items)
            {
                var name = dv["metadata"]!["name"]!.GetValue<string>();
                var phase = dv["status"]?["phase"]?.GetValue<string>() ?? "Pending";
                if (phase == "Failed")
                {
                    throw new ClusterApiException(System.Net.HttpStatusCode.UnprocessableEntity, "ImportFailed", $"DataVolume {name} failed to import");
                }

                var progress = dv["status"]?["progress"]?.GetValue<string>() ?? "N/A";
                if (!reported.TryGetValue(name, out var last) || last != progress)
                {
                    reported[name] = progress;
                    reporter.ImportProgress(device, name, progress);
                }
            }

            return items.Count > 0 && items.All(dv => dv["status"]?["phase"]?.GetValue<string>() == "Succeeded");
        }, ct).ConfigureAwait(false);

        reporter.Waiting(device, "the VirtualMachine to be Ready");
        await UntilAsync(ClusterResource.VirtualMachine, ns, null, $"metadata.name={device}",
            items => items.Any(vm => vm["status"]?["ready"]?.GetValue<bool>() == true || HasCondition(vm, "Ready")), ct).ConfigureAwait(false);

        reporter.Waiting(device, "the guest agent (AgentConnected)");
        await UntilAsync(ClusterResource.VirtualMachineInstance, ns, null, $"metadata.name={device}",
            items => items.Any(vmi => HasCondition(vmi, "AgentConnected")), ct).ConfigureAwait(false);
    }

    public static bool HasCondition(JsonObject obj, string type) =>
        obj["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == type && c["status"]?.GetValue<string>() == "True") == true;

    private async Task UntilAsync(ClusterResource resource, string ns, string? labelSelector, string? fieldSelector, Func<IReadOnlyList<JsonObject>, bool> done, CancellationToken ct)
    {
        while (true)
        {
            var list = await cluster.ListAsync(resource, ns, labelSelector, fieldSelector, ct).ConfigureAwait(false);
            var current = list.Items.ToDictionary(i => i["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal);
            if (done([.. current.Values]))
            {
                return;
            }

            try
            {
                await foreach (var e in cluster.WatchAsync(resource, ns, labelSelector, fieldSelector, list.ResourceVersion, ct).ConfigureAwait(false))
                {
                    var name = e.Item["metadata"]?["name"]?.GetValue<string>();
                    if (name is null || e.Type == "Bookmark")
                    {
                        continue;
                    }

                    if (e.Type == "Deleted")
                    {
                        current.Remove(name);
                    }
                    else
                    {
                        current[name] = e.Item;
                    }

                    if (done([.. current.Values]))
                    {
                        return;
                    }
                }
            }
            catch (ClusterApiException ex) when (ex.Status == System.Net.HttpStatusCode.Gone)
            {
                // The version we watched from was compacted away: relist.
            }

            ct.ThrowIfCancellationRequested();
        }
    }
}
