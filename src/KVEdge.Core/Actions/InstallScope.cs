using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Core.Rendering;

namespace KVEdge.Core.Actions;

/// <summary>
/// One device's install, as cluster-api's reconcilers keep a scope: what the phases read (the device, the fleet's live
/// objects, the options) and what they found and did, from which the device's outcome is made.
/// </summary>
internal sealed class InstallScope(RenderedDevice device, LiveObjects known, InstallOptions options, IInstallReporter reporter)
{
    public RenderedDevice Device { get; } = device;

    public ObjectNames Names { get; } = new(device.Name);

    public LiveObjects Known { get; } = known;

    public InstallOptions Options { get; } = options;

    public IInstallReporter Reporter { get; } = reporter;

    /// <summary>The live VM, read once by upgrade's check and reused by the apply.</summary>
    public JsonObject? LiveVm { get; set; }

    public bool VmExisted { get; set; }

    public bool CloudInitChanged { get; set; }

    public bool Restarted { get; set; }

    /// <summary>The VMI a restart replaced, so --wait waits for its successor.</summary>
    public string? ReplacedVmi { get; set; }

    public List<Change> Changes { get; } = [];

    public List<string> RestartReasons { get; } = [];

    /// <summary>The config and credentials disks whose data changed (the guest reads them only at boot).</summary>
    public List<string> ChangedDisks { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Set by a phase that ends the device's install with an error; the later phases do not run.</summary>
    public string? Error { get; set; }

    public DeviceOutcome Outcome(string? error = null, bool conflict = false, bool unreachable = false, bool interrupted = false) =>
        new(Device.Namespace, Device.Name, Changes, RestartReasons, Restarted, error ?? Error, Conflict: conflict, Unreachable: unreachable, Notes: Notes, Interrupted: interrupted);
}
