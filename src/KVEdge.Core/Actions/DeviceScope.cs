using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Core.Rendering;

namespace KVEdge.Core.Actions;

/// <summary>
/// One device's reconcile, as cluster-api's reconcilers keep a scope: what the phases read (the device, the fleet's live
/// objects, the options), what they found and did (from which the device's outcome is made), and where a reconcile that
/// was requeued resumes (<see cref="Phase"/>, <see cref="ObjectIndex"/>), so nothing is applied twice.
/// </summary>
public sealed class DeviceScope(RenderedDevice device, LiveObjects known, InstallOptions options, IInstallReporter reporter)
{
    public RenderedDevice Device { get; } = device;

    public ObjectNames Names { get; } = new(device.Name);

    public LiveObjects Known { get; } = known;

    public InstallOptions Options { get; } = options;

    /// <summary>The device's revision as the apply builds it from the objects it serializes (<see cref="RolloutRevision"/>).</summary>
    public RolloutRevision RevisionBuilder { get; } = new();

    /// <summary>The device's revision, stamped on its VM's template; null until the apply reaches the VM.</summary>
    public string? Revision { get; set; }

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

    /// <summary>What stopped the reconcile; the later phases do not run.</summary>
    public DeviceFailure? Failure { get; set; }

    /// <summary>The phase the next reconcile starts at (a requeued one resumes there).</summary>
    public int Phase { get; set; }

    /// <summary>The rendered object the apply phase resumes at.</summary>
    public int ObjectIndex { get; set; }

    /// <summary>Since when the reconcile waits for an object to finish deleting; null when it does not.</summary>
    public DateTime? DeletionWaitStarted { get; set; }

    public DeviceOutcome Outcome() =>
        new(Device.Namespace, Device.Name, Changes, RestartReasons, Restarted, Failure?.Message,
            Conflict: Failure?.Reason is DeviceFailure.FieldConflict or DeviceFailure.ManagedByKubeVirt or DeviceFailure.ManagedByOperator,
            Unreachable: Failure?.Reason == DeviceFailure.ClusterUnavailable,
            Notes: Notes,
            Interrupted: Failure?.Reason == DeviceFailure.Interrupted)
        {
            Revision = Revision,
        };
}
