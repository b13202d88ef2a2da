using KVEdge.Core.Kube;
using KVEdge.Core.Rendering;

namespace KVEdge.Core.Actions;

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

        if (options.Guest is { } guest)
        {
            var ready = indices.Zip(results).Where(p => p.Second.Ready && p.Second.Error is null).Select(p => (p.First, p.Second.Target)).ToList();
            await AddVerdictsAsync(ready, outcomes, guest, ct).ConfigureAwait(false);
        }
    }

    /// <summary>How many ready devices --wait asks for IoT Edge's own verdict; `kvedge status --health` asks them all.</summary>
    public const int MaxVerdicts = 8;

    // A Ready VMI says only that the probe passes; the program's own verdict says more: a new device is healthy with
    // edgeAgent alone until its first IoT Hub deployment (the note a user needs next). Asked over SSH through the API
    // server, a few at once, bounded in time; a device that cannot be asked gets the command that would ask it.
    private static async Task AddVerdictsAsync(List<(int Index, WaitTarget Target)> ready, List<DeviceOutcome> outcomes, Func<WaitTarget, IGuestShell> guest, CancellationToken ct)
    {
        var asked = ready.Take(MaxVerdicts).ToList();
        var notes = new string[asked.Count];
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(VerdictTimeout);
        await Parallel.ForEachAsync(Enumerable.Range(0, asked.Count), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (k, _) =>
        {
            var target = asked[k].Target;
            HealthResult health;
            try
            {
                health = await new HealthAction(guest(target)).RunAsync(bounded.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                health = new HealthResult(null, new ActionFailure(FailureKind.Failed, $"no answer within {VerdictTimeout.TotalSeconds:0} s"));
            }

            notes[k] = health.Report is { } report
                ? report.Healthy && report.Deployment == HealthReport.NoDeployment
                    ? $"IoT Edge is healthy with no deployment yet: edgeAgent runs alone and reports 417 until the device's IoT Hub deployment is set, and edgeHub starts with it (kvedge edgehub-manifest gives that deployment edgeHub's storage on the data disk)"
                    : $"IoT Edge: {report.Summary}"
                : $"Ready (the readiness probe passes); IoT Edge's own verdict, such as whether a deployment has arrived, needs SSH: kvedge health {target.Device} -n {target.Namespace} ({health.Failure!.Message})";
        }).ConfigureAwait(false);
        foreach (var ((index, _), note) in asked.Zip(notes))
        {
            outcomes[index] = outcomes[index] with { Notes = [.. outcomes[index].Notes ?? [], note] };
        }
    }

    /// <summary>How long --wait's verdicts may take, all of them.</summary>
    public static readonly TimeSpan VerdictTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// One device: the reconciler's phases until done or stopped, sleeping on a requeue (an object still being deleted)
    /// as a controller's queue would, then the outcome.
    /// </summary>
    private async Task<(DeviceOutcome Outcome, string? ReplacedVmi)> ApplyDeviceAsync(RenderedDevice device, LiveObjects known, InstallOptions options, IInstallReporter reporter, CancellationToken ct)
    {
        var scope = new DeviceScope(device, known, options, reporter);
        var reconciler = new DeviceReconciler(cluster);
        while (true)
        {
            var result = await reconciler.ReconcileAsync(scope, ct).ConfigureAwait(false);
            if (result.Step != ReconcileStep.Requeue)
            {
                return (scope.Outcome(), scope.Failure is null ? scope.ReplacedVmi : null);
            }

            try
            {
                await Task.Delay(result.RequeueAfter, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                scope.Failure = new DeviceFailure(DeviceFailure.Interrupted, "interrupted while it was being applied");
                return (scope.Outcome(), null);
            }
        }
    }
}
