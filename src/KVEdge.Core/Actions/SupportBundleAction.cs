using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge support-bundle NAME -o FILE`, as EFLOW's Get-EflowLogs: one zip with what a support case needs, gathered
/// through the guest and the API server:
///   iotedge-support-bundle.zip   `iotedge support-bundle --output -` in the guest (modules' logs, aziot journals, check)
///   kvedge-converge.log          this boot's journal of kvedge's converge program and config apply
///   kvedge-health.json           the guest's health program's verdict
///   objects/KIND-NAME.json       kvedge's view of the device: VM, VMI, DataVolumes, Service (no Secret, no ConfigMap,
///                                managedFields dropped), so nothing in it is a credential
/// What the guest could not give is recorded as NAME.error.txt beside the rest rather than failing the whole bundle.
/// </summary>
public sealed class SupportBundleAction(IClusterClient cluster, IGuestShell guest)
{
    // Zip entries carry a time; one fixed time keeps the file's bytes a function of its contents.
    private static readonly DateTimeOffset EntryTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public async Task<SupportBundleResult> RunAsync(string ns, string device, string since, Stream output, CancellationToken ct)
    {
        var entries = new List<(string Name, byte[] Content)>();
        var problems = new List<string>();

        var bundle = await guest.RunAsync(GuestCommands.SupportBundle(since), ct).ConfigureAwait(false);
        if (bundle.ExitCode == GuestRun.SshFailed)
        {
            return new SupportBundleResult([], [], new ActionFailure(FailureKind.Failed, $"cannot reach the guest over SSH: {bundle.LastError}"));
        }

        Add(entries, problems, "iotedge-support-bundle.zip", bundle);
        Add(entries, problems, "kvedge-converge.log", await guest.RunAsync(GuestCommands.ConvergeJournal(), ct).ConfigureAwait(false));
        var health = await guest.RunAsync(GuestCommands.Health(), ct).ConfigureAwait(false);
        // The health program exits 1 for "unhealthy", and that verdict belongs in the bundle.
        Add(entries, problems, "kvedge-health.json", health.ExitCode == 1 && health.StdOut.Length > 0 ? health with { ExitCode = 0 } : health);

        foreach (var (resource, obj) in await ObjectsAsync(ns, device, ct).ConfigureAwait(false))
        {
            obj["metadata"]?.AsObject().Remove("managedFields");
            var name = obj["metadata"]?["name"]?.GetValue<string>() ?? "unnamed";
            entries.Add(($"objects/{resource.Kind.ToLowerInvariant()}-{name}.json",
                Encoding.UTF8.GetBytes(obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n")));
        }

        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = EntryTime;
                await using var stream = entry.Open();
                await stream.WriteAsync(content, ct).ConfigureAwait(false);
            }
        }

        return new SupportBundleResult([.. entries.Select(e => e.Name)], problems, null);
    }

    private static void Add(List<(string, byte[])> entries, List<string> problems, string name, GuestRun run)
    {
        if (run.ExitCode == 0)
        {
            entries.Add((name, run.StdOut));
            return;
        }

        problems.Add($"{name}: {run.LastError}");
        entries.Add((name + ".error.txt", Encoding.UTF8.GetBytes($"exit code {run.ExitCode}\n{run.StdErr}")));
    }

    private async Task<List<(ClusterResource, JsonObject)>> ObjectsAsync(string ns, string device, CancellationToken ct)
    {
        var found = new List<(ClusterResource, JsonObject)>();
        foreach (var resource in new[] { ClusterResource.VirtualMachine, ClusterResource.VirtualMachineInstance, ClusterResource.Service })
        {
            if (await cluster.GetAsync(resource, ns, device, ct).ConfigureAwait(false) is { } obj)
            {
                found.Add((resource, obj));
            }
        }

        var dataVolumes = await cluster.ListAsync(ClusterResource.DataVolume, ns, StandardLabels.DeviceSelector(device), null, ct).ConfigureAwait(false);
        found.AddRange(dataVolumes.Items.Select(dv => (ClusterResource.DataVolume, dv)));
        return found;
    }
}
