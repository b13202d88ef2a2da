using KVEdge.Core.Kube;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// Waits for a whole fleet at once, by watching (not polling): one list-and-watch (the operator's <see cref="Informer"/>)
/// per (namespace, kind) for the DataVolumes, VirtualMachines and VirtualMachineInstances of kvedge's devices, however many devices there are, and one
/// deadline for all of them (helm's --timeout is for the release, not per object). Each device goes through its stages:
/// the imports succeed, the instance runs (after a restart, a new one, since KubeVirt's restart is asynchronous and the
/// old one stays for a while), the guest agent connects (VMI condition AgentConnected), and IoT Edge is healthy (the
/// VMI's Ready condition, held by the VM's readinessProbe, which runs the guest's health program). A watch that ends or
/// expires (410) is followed by a fresh list; 429 and 5xx on a watch back off and relist (client-go's reflector). A VM
/// its runStrategy keeps stopped is not waited for, and a guest agent that has not connected after a few minutes gets a
/// warning that names what it needs: stock cloud images ship no qemu-guest-agent.
/// </summary>
public sealed class FleetWaiter(IClusterClient cluster, IInstallReporter reporter)
{
    public static readonly TimeSpan DefaultAgentWarningAfter = TimeSpan.FromMinutes(5);

    private static readonly ClusterResource[] Watched = [ClusterResource.DataVolume, ClusterResource.VirtualMachine, ClusterResource.VirtualMachineInstance];

    public TimeSpan AgentWarningAfter { get; init; } = DefaultAgentWarningAfter;

    /// <summary>How long to wait before relisting after a watch answered 429 or 5xx.</summary>
    public TimeSpan TransientBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    private sealed class DeviceState(WaitTarget target)
    {
        public WaitTarget Target { get; } = target;

        public WaitStage? Phase { get; set; }

        public string Stage { get; set; } = "nothing yet";

        public string? Error { get; set; }

        public DateTimeOffset AgentSince { get; set; }

        public bool AgentWarned { get; set; }

        public Dictionary<string, string> Progress { get; } = new(StringComparer.Ordinal);

        public bool Finished => Phase is WaitStage.Ready or WaitStage.NotWaited or WaitStage.Failed;
    }

    public async Task<IReadOnlyList<WaitResult>> WaitAsync(IReadOnlyList<WaitTarget> targets, TimeSpan timeout, CancellationToken ct)
    {
        var states = targets.Select(t => new DeviceState(t)).ToList();
        // One informer (Kube/Informer.cs, the operator's) per (namespace, kind), its objects indexed by device.
        var selector = StandardLabels.DeviceSelector(null);
        var informers = targets.Select(t => t.Namespace).Distinct(StringComparer.Ordinal)
            .SelectMany(ns => Watched.Select(r => (ns, r)))
            .ToDictionary(k => k, k => new Informer(cluster, k.r, k.ns, selector, Time)
            {
                InitialBackoff = TransientBackoff,
                IndexBy = StandardLabels.DeviceOf,
            });
        var gate = new Lock();
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);

        // Devices by namespace and name: an event steps only the device it is about (a list, all of its namespace), so
        // a fleet's thousands of watch events do not each walk every device.
        var byNamespace = states.GroupBy(s => s.Target.Namespace, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToDictionary(s => s.Target.Device, StringComparer.Ordinal), StringComparer.Ordinal);
        var remaining = states.Count;

        void Evaluate(string ns, string? device)
        {
            lock (gate)
            {
                // A namespace's devices are judged only once all three of its kinds have been listed (HasSynced): a VM
                // that is not waited for must not first be announced as importing.
                if (!Watched.All(r => informers[(ns, r)].HasSynced))
                {
                    return;
                }

                var devices = byNamespace[ns];
                IEnumerable<DeviceState> affected = device is null ? devices.Values : devices.TryGetValue(device, out var one) ? [one] : [];
                foreach (var state in affected.Where(s => !s.Finished))
                {
                    Step(state, informers);
                    if (state.Finished)
                    {
                        remaining--;
                    }
                }

                if (remaining == 0)
                {
                    allDone.TrySetResult();
                }
            }
        }

        void Fail(string ns, string error)
        {
            lock (gate)
            {
                foreach (var state in byNamespace[ns].Values.Where(s => !s.Finished))
                {
                    state.Phase = WaitStage.Failed;
                    state.Error = error;
                    remaining--;
                }

                if (remaining == 0)
                {
                    allDone.TrySetResult();
                }
            }
        }

        var running = new List<Task>();
        foreach (var ((ns, resource), informer) in informers)
        {
            // Every watched object carries its device's label (the informers select on it).
            informer.Changed += (_, obj) => Evaluate(ns, StandardLabels.DeviceOf(obj));
            // A list the cluster refuses (403) or a cluster that does not answer fails the namespace's devices; 429 and
            // 5xx (still, after the client's retries) are waited out, the deadline bounds them.
            informer.ListFailed += ex =>
            {
                if (ex is ClusterUnavailableException)
                {
                    Fail(ns, ex.Message);
                }
                else if (ex is ClusterApiException api && !RetryPolicy.IsTransient(api.Status))
                {
                    Fail(ns, $"cannot list {resource.DisplayName} in {ns}: {api.Message}");
                }
            };
            running.Add(informer.RunAsync(stop.Token));
            running.Add(WhenSyncedAsync(informer, () => Evaluate(ns, null), stop.Token));
        }

        var warnings = WarnAboutAgentsAsync(states, gate, stop.Token);
        var timedOut = false;
        try
        {
            await allDone.Task.WaitAsync(timeout, Time, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            timedOut = true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Interrupted (Ctrl-C): each device says what it was still waiting for.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            foreach (var task in running.Append(warnings))
            {
                try
                {
                    await task.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        lock (gate)
        {
            return [.. states.Select(s => s.Phase switch
            {
                WaitStage.Ready or WaitStage.NotWaited => new WaitResult(s.Target, true, s.Stage),
                WaitStage.Failed => new WaitResult(s.Target, false, s.Stage, s.Error),
                _ when timedOut => new WaitResult(s.Target, false, s.Stage, $"timed out after {GoDuration.Format(timeout)} waiting for {s.Target.Key}: {s.Stage}", TimedOut: true),
                _ => new WaitResult(s.Target, false, s.Stage, $"interrupted while waiting for {s.Stage}", Interrupted: true),
            })];
        }
    }

    // One device's next stage from what the watches have seen; announced when it changes.
    private void Step(DeviceState state, Dictionary<(string, ClusterResource), Informer> informers)
    {
        var t = state.Target;
        var dvs = informers[(t.Namespace, ClusterResource.DataVolume)].ByIndex(t.Device);
        var vm = informers[(t.Namespace, ClusterResource.VirtualMachine)].Get(t.Namespace, t.Device);
        var vmi = informers[(t.Namespace, ClusterResource.VirtualMachineInstance)].Get(t.Namespace, t.Device);
        var readiness = DeviceReadiness.Of(t.Device, vm, vmi, dvs, t.DataVolumes, t.ReplacedVmi);
        switch (readiness.Stage)
        {
            case WaitStage.NotWaited:
                state.Phase = WaitStage.NotWaited;
                state.Stage = $"not waited for: runStrategy {vm!["spec"]!["runStrategy"]}";
                reporter.Warning(t.Device, $"not waiting: {readiness.Message}");
                return;
            case WaitStage.Failed:
                state.Phase = WaitStage.Failed;
                state.Error = readiness.Message;
                return;
        }

        if (state.Phase is null or WaitStage.Importing)
        {
            // Progress until the imports are done, the last (100 %) included.
            foreach (var dv in dvs)
            {
                var name = dv["metadata"]!["name"]!.GetValue<string>();
                var progress = ImportState.Progress(dv["status"]);
                if (!state.Progress.TryGetValue(name, out var last) || last != progress)
                {
                    state.Progress[name] = progress;
                    reporter.ImportProgress(t.Device, name, progress);
                }
            }
        }

        // The stage's text may change within a phase (an importer's restarts); only a new phase is reported.
        state.Stage = readiness.Message;
        if (readiness.Stage != state.Phase)
        {
            state.Phase = readiness.Stage;
            if (readiness.Stage == WaitStage.Agent)
            {
                state.AgentSince = Time.GetUtcNow();
            }

            reporter.Stage(t.Device, readiness.Stage, state.Stage);
        }
    }

    private async Task WarnAboutAgentsAsync(List<DeviceState> states, Lock gate, CancellationToken ct)
    {
        var period = TimeSpan.FromTicks(Math.Clamp(AgentWarningAfter.Ticks / 4, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromSeconds(1).Ticks));
        using var timer = new PeriodicTimer(period, Time);
        while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            lock (gate)
            {
                foreach (var state in states.Where(s => s.Phase == WaitStage.Agent && !s.AgentWarned && Time.GetUtcNow() - s.AgentSince >= AgentWarningAfter))
                {
                    state.AgentWarned = true;
                    var device = state.Target.Device;
                    reporter.Warning(device, $"the guest agent has not connected after {GoDuration.Format(AgentWarningAfter)}: AgentConnected needs qemu-guest-agent running in the guest. "
                        + "kvedge's converge program installs it at first boot from the distribution's archive; if the guest cannot reach it, bake the image (kvedge image bake) "
                        + $"or see 'journalctl -u kvedge-converge' in the guest (kvedge ssh {device}). Still waiting.");
                }
            }
        }
    }

    private static async Task WhenSyncedAsync(Informer informer, Action synced, CancellationToken ct)
    {
        await informer.WaitForSyncAsync(ct).ConfigureAwait(false);
        synced();
    }
}
