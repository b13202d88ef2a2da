using System.Text.Json.Nodes;
using KVEdge.Core.Output;
using KVEdge.Core.Rendering;

namespace KVEdge.Core.Cluster;

public enum DryRunMode
{
    None,
    Client,
    Server,
}

public sealed record InstallOptions(bool Upgrade, DryRunMode DryRun, bool ForceConflicts, bool Wait, TimeSpan Timeout, bool Restart)
{
    public const string FieldManager = "kvedge";

    /// <summary>How long install waits for an object that is being deleted (an uninstall just before) to be gone.</summary>
    public TimeSpan DeletionWait { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often it looks while it waits for that.</summary>
    public TimeSpan DeletionPoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long --wait waits for the guest agent before it warns that it may never come.</summary>
    public TimeSpan AgentWarningAfter { get; init; } = FleetWaiter.DefaultAgentWarningAfter;

    /// <summary>How many devices are applied at once (--concurrency). Each device's objects still go in order.</summary>
    public int Concurrency { get; init; } = DefaultConcurrency;

    public const int DefaultConcurrency = 16;
}

/// <summary>What happened to one device: its change set, whether its VM needs a restart, and the error that stopped it.</summary>
public sealed record DeviceOutcome(string Namespace, string Name, IReadOnlyList<Change> Changes, IReadOnlyList<string> RestartReasons, bool Restarted, string? Error,
    bool TimedOut = false, bool Conflict = false, bool Unreachable = false, IReadOnlyList<string>? Notes = null, string? WaitedFor = null,
    bool Interrupted = false)
{
    public bool Succeeded => Error is null;

    /// <summary>A change reaches the running guest only when the VM restarts (see <see cref="RestartReasons"/>).</summary>
    public bool RestartNeeded => RestartReasons.Count > 0;
}

/// <summary>Progress a person wants to see while install runs (the CLI draws it; tests record it).</summary>
public interface IInstallReporter
{
    void Applied(Change change);

    void Waiting(string device, string what);

    /// <summary>--wait: the device reached <paramref name="stage"/>; <paramref name="what"/> says what it now waits for.</summary>
    void Stage(string device, WaitStage stage, string what);

    void ImportProgress(string device, string dataVolume, string progress);

    /// <summary>Something the user should know while kvedge goes on waiting (or stops waiting for good reason).</summary>
    void Warning(string device, string message);
}

/// <summary>
/// `kvedge install` / `kvedge upgrade`: read the fleet's live objects by one list per (namespace, kind), then apply the
/// devices concurrently (<see cref="InstallOptions.Concurrency"/> at once), each device's objects in order with
/// server-side apply (field manager kvedge), skipping objects that are unchanged without a request; then optionally
/// wait for every device at once (<see cref="FleetWaiter"/>, one deadline). A failure stops that device (what was
/// applied so far is reported) and the others go on; running the command again picks up where it stopped. Progress is
/// reported in the input's order (<see cref="OrderedReporter"/>), whatever order the server answers in.
/// </summary>
public sealed class InstallAction(IClusterClient cluster, IInstallReporter reporter)
{
    /// <summary>--dry-run=client: what would be applied, from the rendering alone; no cluster is needed or contacted.</summary>
    public static IReadOnlyList<DeviceOutcome> ClientDryRun(IReadOnlyList<RenderedDevice> devices, IInstallReporter reporter) =>
        devices.Select(device =>
        {
            var changes = device.Objects
                .Select(obj => new Change(device.Name, ClusterResource.ForKind(obj.ApiVersion, obj.Kind), device.Namespace, obj.Metadata.Name, ChangeAction.Configured, "client dry run"))
                .ToList();
            changes.ForEach(reporter.Applied);
            return new DeviceOutcome(device.Namespace, device.Name, changes, [], false, null);
        }).ToList();

    public async Task<IReadOnlyList<DeviceOutcome>> RunAsync(IReadOnlyList<RenderedDevice> devices, InstallOptions options, CancellationToken ct)
    {
        if (options.DryRun == DryRunMode.Client)
        {
            throw new ArgumentException("a client dry run needs no cluster: use ClientDryRun", nameof(options));
        }

        LiveObjects live;
        try
        {
            live = await LiveObjects.LoadAsync(cluster, devices, options.Concurrency, ct).ConfigureAwait(false);
        }
        catch (ClusterUnavailableException ex)
        {
            return [.. devices.Select(d => new DeviceOutcome(d.Namespace, d.Name, [], [], false, ex.Message, Unreachable: true))];
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return [.. devices.Select(d => new DeviceOutcome(d.Namespace, d.Name, [], [], false, "interrupted before it was applied", Interrupted: true))];
        }

        var outcomes = new DeviceOutcome?[devices.Count];
        var replaced = new string?[devices.Count];
        var ordered = new OrderedReporter(reporter, devices.Count);
        var silent = 0;
        try
        {
            await ApplyAllAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Interrupted (Ctrl-C): the devices not started say so; what the others applied is in their outcomes.
        }

        // Devices never started never completed: let every buffered line out.
        for (var i = 0; i < devices.Count; i++)
        {
            ordered.Complete(i);
        }

        var result = outcomes.Select((o, i) => o ?? new DeviceOutcome(devices[i].Namespace, devices[i].Name, [], [], false, "interrupted before it was applied", Interrupted: true)).ToList();
        if (options.Wait && options.DryRun == DryRunMode.None && !ct.IsCancellationRequested)
        {
            await WaitAsync(devices, result, replaced, options, ct).ConfigureAwait(false);
        }

        return result;

        Task ApplyAllAsync() => Parallel.ForEachAsync(Enumerable.Range(0, devices.Count), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Concurrency), CancellationToken = ct },
            async (i, token) =>
            {
                try
                {
                    if (Volatile.Read(ref silent) != 0)
                    {
                        // The cluster stopped answering: the devices not started yet would only wait for it too.
                        outcomes[i] = new DeviceOutcome(devices[i].Namespace, devices[i].Name, [], [], false, "not attempted: the cluster did not answer", Unreachable: true);
                        return;
                    }

                    var (outcome, replacedVmi) = await ApplyDeviceAsync(devices[i], live, options, ordered.For(i), token).ConfigureAwait(false);
                    outcomes[i] = outcome;
                    replaced[i] = replacedVmi;
                    if (outcome.Unreachable)
                    {
                        Interlocked.Exchange(ref silent, 1);
                    }
                }
                finally
                {
                    ordered.Complete(i);
                }
            });
    }

    // --wait: every device that applied cleanly, at once, with one deadline for the command.
    private async Task WaitAsync(IReadOnlyList<RenderedDevice> devices, List<DeviceOutcome> outcomes, string?[] replaced, InstallOptions options, CancellationToken ct)
    {
        var indices = Enumerable.Range(0, devices.Count).Where(i => outcomes[i].Succeeded).ToList();
        if (indices.Count == 0)
        {
            return;
        }

        var targets = indices.Select(i => new WaitTarget(devices[i].Namespace, devices[i].Name,
            devices[i].Objects.Count(o => o.Kind == ClusterResource.DataVolume.Kind), replaced[i])).ToList();
        var waiter = new FleetWaiter(cluster, reporter) { AgentWarningAfter = options.AgentWarningAfter };
        var results = await waiter.WaitAsync(targets, options.Timeout, ct).ConfigureAwait(false);
        foreach (var (i, r) in indices.Zip(results))
        {
            if (r.Error is not null)
            {
                outcomes[i] = outcomes[i] with { Error = r.Error, TimedOut = r.TimedOut, WaitedFor = r.Stage, Interrupted = r.Interrupted };
            }
        }
    }

    /// <summary>
    /// The live object, or null; one being deleted (a deletionTimestamp: Foreground deletion keeps a VM visible while its
    /// guest shuts down, minutes with KubeVirt's grace period) is waited for until it is gone, since an apply to it would
    /// not bring it back and it would vanish after kvedge called it unchanged.
    /// </summary>
    private async Task<JsonObject?> GetSettledAsync(RenderedDevice device, ClusterResource resource, string name, LiveObjects known, InstallOptions options, IInstallReporter reporter, CancellationToken ct)
    {
        // Listed, and not being deleted: no request needed.
        if (known.TryFind(device.Namespace, resource, name, out var listed) && listed?["metadata"]?["deletionTimestamp"] is null)
        {
            return listed;
        }

        var started = DateTime.UtcNow;
        var announced = false;
        while (true)
        {
            var live = await cluster.GetAsync(resource, device.Namespace, name, ct).ConfigureAwait(false);
            if (live?["metadata"]?["deletionTimestamp"] is null)
            {
                return live;
            }

            if (DateTime.UtcNow - started > options.DeletionWait)
            {
                throw new ObjectBeingDeletedException(
                    $"{resource.DisplayName}/{name} is still being deleted after {GoDuration.Format(options.DeletionWait)} (deletionTimestamp {live["metadata"]!["deletionTimestamp"]}, "
                    + $"finalizers: {string.Join(", ", live["metadata"]?["finalizers"]?.AsArray().Select(f => f?.GetValue<string>()) ?? [])}); run the command again once it is gone");
            }

            if (!announced)
            {
                reporter.Waiting(device.Name, $"{resource.DisplayName}/{name} to finish deleting (it has a deletionTimestamp)");
                announced = true;
            }

            await Task.Delay(options.DeletionPoll, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How the rendered DataVolume's spec differs from the live one, both ways: a rendered field with another value, or
    /// a field kvedge applied before (its managedFields) that the rendering no longer has. Null when they agree.
    /// </summary>
    private static string? DataVolumeSpecChange(JsonObject stamped, JsonObject live)
    {
        if (!AppliedHash.IsSubset(stamped["spec"], live["spec"]))
        {
            return "its spec changed";
        }

        var dropped = AppliedHash.OwnedPaths(live, InstallOptions.FieldManager, "spec").FirstOrDefault(p => !AppliedHash.Has(stamped, p));
        return dropped is null ? null : $"{string.Join(".", dropped)} is no longer rendered";
    }

    private async Task<(DeviceOutcome Outcome, string? ReplacedVmi)> ApplyDeviceAsync(RenderedDevice device, LiveObjects known, InstallOptions options, IInstallReporter reporter, CancellationToken ct)
    {
        var changes = new List<Change>();
        var restartReasons = new List<string>();
        var changedDisks = new List<string>();
        var vmExisted = false;
        var cloudInitChanged = false;
        var restarted = false;
        var names = new ObjectNames(device.Name);
        try
        {
            // Upgrade needs the VM to exist; the apply loop below reuses what this read, rather than asking again.
            JsonObject? liveVm = null;
            if (options.Upgrade)
            {
                liveVm = await GetSettledAsync(device, ClusterResource.VirtualMachine, names.VirtualMachine, known, options, reporter, ct).ConfigureAwait(false);
                if (liveVm is null)
                {
                    return (new DeviceOutcome(device.Namespace, device.Name, changes, [], false,
                        $"{device.Namespace}/{device.Name} is not installed (no VirtualMachine {names.VirtualMachine}); use 'kvedge install'"), null);
                }
            }

            var applyOptions = new ApplyOptions(InstallOptions.FieldManager, options.ForceConflicts, options.DryRun == DryRunMode.Server);
            foreach (var obj in device.Objects)
            {
                var resource = ClusterResource.ForKind(obj.ApiVersion, obj.Kind);
                var rendered = ManifestSerializer.ToJsonNode(obj).AsObject();
                var stamped = AppliedHash.Stamp(rendered);
                var live = resource == ClusterResource.VirtualMachine && liveVm is not null
                    ? liveVm
                    : await GetSettledAsync(device, resource, obj.Metadata.Name, known, options, reporter, ct).ConfigureAwait(false);
                vmExisted |= resource == ClusterResource.VirtualMachine && live is not null;
                Change change;
                if (AppliedHash.IsUnchanged(stamped, live))
                {
                    change = new Change(device.Name, resource, device.Namespace, obj.Metadata.Name, ChangeAction.Unchanged);
                }
                else if (resource == ClusterResource.DataVolume && live is not null && DataVolumeSpecChange(stamped, live) is { } specChange)
                {
                    // CDI refuses any change to an existing DataVolume's spec (its validating webhook; a field SSA would
                    // prune counts too). Never replace a disk to get there: keep it, say why, write nothing.
                    change = new Change(device.Name, resource, device.Namespace, obj.Metadata.Name, ChangeAction.Kept,
                        $"{specChange}, but a DataVolume's spec is immutable; the disk is kept as it is");
                }
                else
                {
                    // Only what reaches the guest needs a restart: the VM's template spec, and the data of the disks and
                    // cloud-init the guest reads at boot. Labels and annotations do not.
                    if (resource == ClusterResource.VirtualMachine && live is not null
                        && !AppliedHash.IsSubset(stamped["spec"]?["template"]?["spec"], live["spec"]?["template"]?["spec"]))
                    {
                        restartReasons.Add("the VM template changed");
                    }
                    else if (live is not null && obj.Metadata.Labels?.TryGetValue(StandardLabels.Role, out var role) == true
                        && !(JsonNode.DeepEquals(stamped["data"], live["data"]) && JsonNode.DeepEquals(stamped["binaryData"], live["binaryData"])))
                    {
                        // KubeVirt turns these into disks when the VMI starts; a running guest keeps the old bytes.
                        if (role is Roles.Config or Roles.Credentials)
                        {
                            changedDisks.Add($"{resource.DisplayName}/{obj.Metadata.Name}");
                        }

                        cloudInitChanged |= role == Roles.CloudInit;
                    }

                    var stored = await cluster.ApplyAsync(resource, stamped, applyOptions, ct).ConfigureAwait(false);
                    // Not in the list may still mean there: an object of that name without kvedge's labels, which the
                    // apply adopted (another manager's fields in what came back say so).
                    var existed = live is not null || stored["metadata"]?["managedFields"]?.AsArray().Any(m => m?["manager"]?.GetValue<string>() != InstallOptions.FieldManager) == true;
                    change = new Change(device.Name, resource, device.Namespace, obj.Metadata.Name, existed ? ChangeAction.Configured : ChangeAction.Created,
                        options.DryRun == DryRunMode.Server ? "server dry run" : null);
                }

                changes.Add(change);
                reporter.Applied(change);
            }

            if (vmExisted && changedDisks.Count > 0)
            {
                restartReasons.Add($"{string.Join(", ", changedDisks)} changed, and the guest reads {(changedDisks.Count == 1 ? "that disk" : "those disks")} only at boot");
            }

            var notes = vmExisted && cloudInitChanged
                ? [$"{ClusterResource.Secret.DisplayName}/{names.CloudInitSecret} changed: cloud-init applies its users, SSH keys and hostname only to a new VM instance, "
                    + "not at a restart (the converge program and its settings come from the config disk and do follow)"]
                : new List<string>();
            if (options.DryRun != DryRunMode.None)
            {
                return (new DeviceOutcome(device.Namespace, device.Name, changes, restartReasons, false, null, Notes: notes), null);
            }

            string? replacedVmi = null;
            if (restartReasons.Count > 0 && options.Restart)
            {
                // A VM with no instance has nothing to restart: the change applies when it starts.
                var vmi = await cluster.GetAsync(ClusterResource.VirtualMachineInstance, device.Namespace, names.VirtualMachine, ct).ConfigureAwait(false);
                if (vmi is null)
                {
                    notes.Add($"not restarted: {ClusterResource.VirtualMachine.DisplayName}/{names.VirtualMachine} is not running; the change applies when it starts");
                }
                else
                {
                    try
                    {
                        await cluster.RestartVirtualMachineAsync(device.Namespace, names.VirtualMachine, ct).ConfigureAwait(false);
                    }
                    catch (ClusterApiException ex) when (ex.IsConflict || ex.Status == System.Net.HttpStatusCode.InternalServerError)
                    {
                        // KubeVirt refuses a restart for runStrategy Halted/Once (409), a VM that is not running (409), and
                        // while an earlier stop/start is queued (500). Not kvedge's field conflict, and never retried.
                        return (new DeviceOutcome(device.Namespace, device.Name, changes, restartReasons, false,
                            $"applied, but KubeVirt did not restart {ClusterResource.VirtualMachine.DisplayName}/{names.VirtualMachine}: {ex.Message}"
                            + (ex.Message.Contains("Once", StringComparison.Ordinal) ? "; restart it with virtctl stop and virtctl start" : "; run the upgrade with --restart again later, or virtctl restart"),
                            Notes: notes), null);
                    }

                    replacedVmi = vmi["metadata"]?["uid"]?.GetValue<string>();
                    restarted = true;
                }
            }

            return (new DeviceOutcome(device.Namespace, device.Name, changes, restartReasons, restarted, null, Notes: notes), replacedVmi);
        }
        catch (ClusterApiException ex)
        {
            var detail = ex.Causes.Count > 0 ? $"{ex.Message} [{string.Join("; ", ex.Causes)}]" : ex.Message;
            if (ex.IsConflict && ex.Reason == "Conflict" && ex.Causes.Count > 0)
            {
                detail += "; another field manager owns these fields: rerun with --force-conflicts to take them over";
            }

            return (new DeviceOutcome(device.Namespace, device.Name, changes, restartReasons, restarted, detail, Conflict: ex.IsConflict), null);
        }
        catch (ObjectBeingDeletedException ex)
        {
            return (new DeviceOutcome(device.Namespace, device.Name, changes, restartReasons, restarted, ex.Message), null);
        }
        catch (ClusterUnavailableException ex)
        {
            return (new DeviceOutcome(device.Namespace, device.Name, changes, restartReasons, restarted, ex.Message, Unreachable: true), null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return (new DeviceOutcome(device.Namespace, device.Name, changes, restartReasons, restarted, "interrupted while it was being applied", Interrupted: true), null);
        }
    }
}

/// <summary>An object install needs is still being deleted after <see cref="InstallOptions.DeletionWait"/>.</summary>
public sealed class ObjectBeingDeletedException(string message) : Exception(message);
