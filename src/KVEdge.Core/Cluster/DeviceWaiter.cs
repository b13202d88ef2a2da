using System.Text.Json.Nodes;
using KVEdge.Core.Rendering;

namespace KVEdge.Core.Cluster;

/// <summary>
/// Waits, by watching (not polling), for a device to come up: its DataVolumes' imports to succeed, its VM to be Ready,
/// then the guest agent to connect (VMI condition AgentConnected). A watch that ends (timeout, dropped connection) or
/// expires (410 Gone) is followed by a fresh list and a new watch, so no change is missed. A VM that its runStrategy
/// keeps stopped is not waited for (it would never come), and a guest agent that has not connected after a few minutes
/// gets a warning that names what it needs: stock cloud images ship no qemu-guest-agent, and nothing but the device's
/// own first boot installs it.
/// </summary>
public sealed class DeviceWaiter(IClusterClient cluster, IInstallReporter reporter)
{
    public static readonly TimeSpan DefaultAgentWarningAfter = TimeSpan.FromMinutes(5);

    public TimeSpan AgentWarningAfter { get; init; } = DefaultAgentWarningAfter;

    /// <summary>How long to wait before relisting after a watch answered 429 or 5xx.</summary>
    public TimeSpan TransientBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>What it is waiting for now, for a timeout's message.</summary>
    public string Stage { get; private set; } = "nothing yet";

    /// <param name="replacedVmi">After a restart: the uid of the instance being replaced. KubeVirt's restart is
    /// asynchronous, so that instance stays Ready for a while; only a new one counts.</param>
    public async Task WaitAsync(string ns, string device, CancellationToken ct, string? replacedVmi = null)
    {
        var byDevice = $"{StandardLabels.Device}={device}";
        var vm = (await cluster.ListAsync(ClusterResource.VirtualMachine, ns, null, $"metadata.name={device}", ct).ConfigureAwait(false)).Items is [var found, ..] ? found : null;
        // KubeVirt starts a VM by itself only for Always, RerunOnFailure and Once; Halted and Manual wait for a start
        // request (kubevirt.io user-guide, run strategies).
        if (vm?["spec"]?["runStrategy"]?.GetValue<string>() is "Halted" or "Manual" && vm["status"]?["ready"]?.GetValue<bool>() != true)
        {
            reporter.Warning(device, $"not waiting: runStrategy {vm["spec"]!["runStrategy"]} keeps the VM stopped until it is started (virtctl start {device})");
            return;
        }

        Announce(device, "the DataVolumes to import");
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

        Announce(device, "the VirtualMachine to be Ready");
        await UntilAsync(ClusterResource.VirtualMachine, ns, null, $"metadata.name={device}",
            items => items.Any(vm => vm["status"]?["ready"]?.GetValue<bool>() == true || HasCondition(vm, "Ready")), ct).ConfigureAwait(false);

        Announce(device, replacedVmi is null
            ? "the guest agent (VMI condition AgentConnected; qemu-guest-agent in the guest, installed at its first boot)"
            : "the restarted VM: a new VirtualMachineInstance, Ready, with its guest agent connected");
        using var warned = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var warning = WarnAboutTheAgentAsync(device, warned.Token);
        try
        {
            await UntilAsync(ClusterResource.VirtualMachineInstance, ns, null, $"metadata.name={device}",
                items => items.Any(vmi => vmi["metadata"]?["uid"]?.GetValue<string>() != replacedVmi && HasCondition(vmi, "Ready") && HasCondition(vmi, "AgentConnected")), ct).ConfigureAwait(false);
        }
        finally
        {
            await warned.CancelAsync().ConfigureAwait(false);
            await warning.ConfigureAwait(false);
        }
    }

    private void Announce(string device, string what)
    {
        Stage = what;
        reporter.Waiting(device, what);
    }

    private async Task WarnAboutTheAgentAsync(string device, CancellationToken ct)
    {
        try
        {
            await Task.Delay(AgentWarningAfter, ct).ConfigureAwait(false);
            reporter.Warning(device, $"the guest agent has not connected after {GoDuration.Format(AgentWarningAfter)}: AgentConnected needs qemu-guest-agent running in the guest. "
                + "kvedge's converge program installs it at first boot from the distribution's archive; if the guest cannot reach it, bake the image (kvedge image bake) "
                + $"or see 'journalctl -u kvedge-converge' in the guest (kvedge ssh {device}). Still waiting.");
        }
        catch (OperationCanceledException)
        {
        }
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
            catch (ClusterApiException ex) when (RetryPolicy.IsTransient(ex.Status))
            {
                // 429, 5xx and 504 on a watch are what a busy or HA control plane answers (client-go's reflector
                // relists): back off, then list and watch again. The command's deadline still bounds the wait.
                await Task.Delay(TransientBackoff, ct).ConfigureAwait(false);
            }

            ct.ThrowIfCancellationRequested();
        }
    }
}
