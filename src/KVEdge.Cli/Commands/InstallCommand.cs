using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge install</c> and <c>kvedge upgrade</c>: render, then server-side apply each device's objects and print the
/// change set. The input is checked in full before the cluster is contacted.
/// </summary>
internal sealed class InstallCommand(ICliConsole console, ClusterClientFactory factory, IotConnectorFactory iot, bool upgrade) : CliCommand(console)
{
    private readonly SpecInput _input = SpecInput.Create();
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Option<string> _dryRun = DryRunOption.Create("render and list, no cluster needed");
    private readonly Option<bool> _force = new("--force-conflicts") { Description = "Take over fields another field manager owns (server-side apply force)." };
    private readonly Option<bool> _wait = new("--wait") { Description = "Wait for the disk imports, the VM to be Ready and the guest agent to connect." };
    private readonly Option<string> _timeout = new("--timeout") { Description = "How long --wait waits, as a duration (90s, 10m, 1h).", DefaultValueFactory = _ => "10m" };
    private readonly Option<bool> _restart = new("--restart") { Description = "Restart a VM whose template changed, so the change takes effect." };
    private readonly Option<int> _concurrency = CommonOptions.Concurrency("How many devices are applied at once (each device's objects still go in order).");
    private readonly Option<bool> _rollout = new("--rollout") { Description = "Restart the devices whose change needs it in health-gated waves: a canary, then at most --max-unavailable not Ready at once; halts on failures (exit 6)." };
    private readonly Option<string?> _canary = new("--canary") { Description = "With --rollout: how many devices go first, alone (a count or a percentage); all must be healthy before the rest." };
    private readonly Option<string?> _canarySelector = new("--canary-selector") { Description = "With --rollout: the canary devices by a label selector on their VMs (env=pilot) instead of a count." };
    private readonly Option<string> _maxUnavailable = new("--max-unavailable") { Description = "With --rollout: how many devices may be not Ready at once, an unhealthy one included (a count or a percentage).", DefaultValueFactory = _ => "1" };
    private readonly Option<string> _failureThreshold = new("--failure-threshold") { Description = "With --rollout: how many failed devices halt the rollout (a count or a percentage); a canary's failure always does.", DefaultValueFactory = _ => "1" };
    private readonly Option<string> _progressDeadline = new("--progress-deadline") { Description = "With --rollout: how long a restarted device has to be Ready again before it counts as failed (a duration).", DefaultValueFactory = _ => "10m" };
    private GuestAccess? _access;

    private readonly Option<bool> _forceIdentity = CommonOptions.ForceIdentity();

    public static Command Create(ICliConsole console, ClusterClientFactory factory, IotConnectorFactory iot, bool upgrade) => new InstallCommand(console, factory, iot, upgrade).Build();

    protected override Command Define()
    {
        var command = new Command(upgrade ? "upgrade" : "install", upgrade
            ? "Apply changed EdgeDevice specs to installed devices (server-side apply); reports which VMs need a restart."
            : "Install EdgeDevice specs into the cluster (server-side apply, field manager kvedge).");
        command.AddOptions(_input.Options.Where(o => o.Name != "--namespace"));
        command.AddOptions(_cluster.All);
        command.AddOptions([_dryRun, _force, _wait, _timeout, _restart, _concurrency, _forceIdentity]);
        if (upgrade)
        {
            command.AddOptions([_rollout, _canary, _canarySelector, _maxUnavailable, _failureThreshold, _progressDeadline]);
        }

        // --wait ends with IoT Edge's own verdict of each ready device (a new one has no deployment yet), over SSH as
        // `kvedge health` reaches it: the same login options.
        _access = new GuestAccess(Console, _cluster, identityShortFlag: false);
        command.AddOptions(_access.All);
        return command;
    }

    protected override async Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        if (!GoDuration.TryParse(result.GetValue(_timeout)!, out var waitFor) || waitFor <= TimeSpan.Zero)
        {
            human.Failure($"--timeout {result.GetValue(_timeout)}: not a duration (examples: 90s, 10m, 1h30m)");
            return ExitCodes.InvalidInput;
        }

        var policy = upgrade ? RolloutPolicyFrom(result) : null;
        if (policy is not null && result.GetValue(_restart))
        {
            human.Failure("--rollout and --restart: choose one (--restart restarts every changed device at once; --rollout in health-gated waves)");
            return ExitCodes.InvalidInput;
        }

        var mode = DryRunOption.Mode(result, _dryRun);
        var (files, overrides) = ReadInput(() => _input.Read(result, Console.StdIn));

        // The namespace devices without one go to: -n, else the kubeconfig context's. Reading the kubeconfig is local.
        var (config, noCluster) = mode == DryRunMode.Client ? (null, null) : _cluster.TryResolveConfig(result);
        var defaultNamespace = _cluster.NamespaceFor(result, config);
        var rendered = TemplateAction.Run(files, overrides, defaultNamespace, Console.GetEnvironmentVariable);
        if (Rejected(human, rendered.Diagnostics, "nothing applied") is { } code)
        {
            return code;
        }

        var options = new InstallOptions(upgrade, mode, result.GetValue(_force), result.GetValue(_wait), waitFor, result.GetValue(_restart))
        {
            Concurrency = result.GetValue(_concurrency),
            Rollout = policy is not null,
        };
        var reporter = new ChangeReporter(Console, human);
        if (mode == DryRunMode.Client)
        {
            if (RegistrationPhase.Applies(rendered))
            {
                human.Line("registration (spec.iotEdge.registration) is not shown by a client dry run: it needs the policy key from the cluster; --dry-run=server says what it would change");
            }

            return Report(human, InstallAction.ClientDryRun(rendered.Devices, reporter), options);
        }

        if (noCluster is not null)
        {
            throw noCluster;
        }

        return await _cluster.ConnectedAsync(config!, async client =>
        {
            // Only with a key ssh could log in with (--identity, an agent, or one of ssh's default identity files): without
            // one every login would fail, slowly; the summary then names the command that asks.
            var withVerdicts = options.Wait && _access!.HasKey(result)
                ? options with { Guest = t => new ResolvingGuestShell(() => _access!.ResolveAsync(result, client, t.Namespace, t.Device, nonInteractive: true, ct, stdin: false), Console) }
                : options;
            // Registration first: its keys go into the credentials Secrets the apply writes; a device it failed for is not applied.
            var devices = rendered.Devices;
            IReadOnlyList<RegistrationOutcome> unregistered = [];
            if (RegistrationPhase.Applies(rendered))
            {
                var registerOptions = new RegisterOptions(mode == DryRunMode.Server, result.GetValue(_forceIdentity))
                {
                    Concurrency = options.Concurrency,
                    ReadEndorsementKey = _access!.EndorsementKeyReader(result, client),
                };
                (devices, unregistered, _) = await RegistrationPhase.RunAsync(client, iot, rendered, defaultNamespace, registerOptions, human, ct, sayFailures: false).ConfigureAwait(false);
            }

            var applied = await new InstallAction(client, reporter).RunAsync(devices, withVerdicts, ct).ConfigureAwait(false);
            // In the input's order, the devices registration stopped among the others.
            var order = rendered.Devices.Select((d, i) => (d.Key, i)).ToDictionary(p => p.Key, p => p.i, StringComparer.Ordinal);
            IReadOnlyList<DeviceOutcome> outcomes = [.. applied.Concat(unregistered.Select(RegistrationPhase.AsDeviceOutcome))
                .OrderBy(o => order.GetValueOrDefault($"{o.Namespace}/{o.Name}", int.MaxValue))];
            var code = Report(human, outcomes, options);
            if (options.Wait && withVerdicts.Guest is null && code == ExitCodes.Success)
            {
                human.Line("IoT Edge's own verdict of a device (healthy, or waiting for its first IoT Hub deployment): kvedge health NAME (no SSH key found for it here: --identity)");
            }

            if (policy is null || mode != DryRunMode.None || outcomes.Any(o => o.Interrupted || o.Unreachable))
            {
                return code;
            }

            // The devices that applied cleanly roll; one that did not keeps its old instance (the report above says why).
            var succeeded = applied.Where(o => o.Succeeded).ToList();
            // The revisions the apply stamped; only a device it did not get to is rendered into one again.
            var rollout = RolloutRevision.OfRollout(devices.Zip(applied, (d, o) => (d.Namespace, d.Name, o.Revision ?? RolloutRevision.Of(d))));
            var guest = _access!.HasKey(result)
                ? (Func<WaitTarget, IGuestShell>)(t => new ResolvingGuestShell(() => _access!.ResolveAsync(result, client, t.Namespace, t.Device, nonInteractive: true, ct, stdin: false), Console))
                : null;
            var rolled = await new RolloutAction(client, new RolloutReporter(human)) { Concurrency = options.Concurrency, Guest = guest }
                .RunAsync([.. succeeded.Select(o => new RolloutTarget(o.Namespace, o.Name, o.RestartNeeded))], rollout, policy, waitFor, ct).ConfigureAwait(false);
            var rolloutCode = ReportRollout(human, rolled, waitFor);
            return code != ExitCodes.Success ? code : rolloutCode;
        }).ConfigureAwait(false);
    }

    // The rollout options, checked all at once (exit 2 naming each flag and its rule); null without --rollout.
    private RolloutPolicy? RolloutPolicyFrom(ParseResult result)
    {
        var rolloutOnly = new Option[] { _canary, _canarySelector, _maxUnavailable, _failureThreshold, _progressDeadline };
        if (!result.GetValue(_rollout))
        {
            var stray = rolloutOnly.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
            return stray.Count == 0 ? null : throw new CliInputException($"{string.Join(", ", stray)}: only with --rollout");
        }

        var problems = new List<string>();
        CountOrPercent? Count(Option option, string? text)
        {
            if (text is null)
            {
                return null;
            }

            if (CountOrPercent.TryParse(text, out var value, out var error) && value.Value > 0)
            {
                return value;
            }

            problems.Add($"{option.Name} {text}: {error ?? "must be at least 1"}");
            return null;
        }

        var maxUnavailable = Count(_maxUnavailable, result.GetValue(_maxUnavailable));
        var threshold = Count(_failureThreshold, result.GetValue(_failureThreshold));
        var canary = Count(_canary, result.GetValue(_canary));
        var selector = result.GetValue(_canarySelector);
        if (selector is not null && result.GetValue(_canary) is not null)
        {
            problems.Add("--canary and --canary-selector: choose one");
        }

        if (selector is not null && !LabelSelectorText.IsValid(selector))
        {
            problems.Add($"--canary-selector {selector}: not a label selector (key=value, key!=value, key in (a,b), key, !key; comma-separated)");
        }

        if (!GoDuration.TryParse(result.GetValue(_progressDeadline)!, out var deadline) || deadline <= TimeSpan.Zero)
        {
            problems.Add($"--progress-deadline {result.GetValue(_progressDeadline)}: not a duration (examples: 90s, 10m, 1h30m)");
        }

        return problems.Count > 0
            ? throw new CliInputException(string.Join("\n", problems))
            : new RolloutPolicy(canary, selector, maxUnavailable!.Value, threshold!.Value, deadline);
    }

    private static int ReportRollout(HumanOutput human, RolloutResult rolled, TimeSpan timeout)
    {
        var plan = rolled.Plan;
        if (rolled.Interrupted)
        {
            human.Failure($"interrupted: the rollout stopped with {plan.Updated} of {plan.Total} device(s) updated; the restarts made are marked on the devices, and running the command again resumes it");
        }
        else if (rolled.Error is not null)
        {
            human.Failure($"the rollout stopped: {rolled.Error}; running the command again resumes it");
        }
        else if (rolled.TimedOut)
        {
            human.Failure($"the rollout did not finish within --timeout {GoDuration.Format(timeout)}: {plan.Updated} of {plan.Total} updated, {plan.Restarting} restarting, {plan.Pending} waiting; running the command again resumes it");
        }
        else if (plan.Phase == RolloutPhase.Halted)
        {
            human.Failure($"rollout halted: {plan.HaltReason}; {plan.Pending} device(s) not restarted. Fix the change and upgrade again, or `kvedge rollout resume` once the failed devices are healthy");
        }
        else if (plan.Phase == RolloutPhase.Paused)
        {
            human.Failure($"rollout paused: {plan.Pending} device(s) wait for `kvedge rollout resume`");
        }
        else
        {
            human.Line($"rollout complete: {plan.Updated} device(s) restarted and Ready, {rolled.Waves} wave(s)");
        }

        return ExitCodes.For(rolled);
    }

    private static int Report(HumanOutput human, IReadOnlyList<DeviceOutcome> outcomes, InstallOptions options)
    {
        if (outcomes is [.., { Unreachable: true } silent] && outcomes.All(o => o.Changes.Count == 0))
        {
            // Nothing happened anywhere: the one line that says why is the whole story.
            human.Failure(silent.Error!);
            return ExitCodes.ClusterUnavailable;
        }

        if (outcomes.Any(o => o.Interrupted))
        {
            // Ctrl-C: what each device has on the cluster now, so the user knows where a rerun picks up.
            foreach (var o in outcomes)
            {
                var applied = o.Changes.Where(c => c.Action is ChangeAction.Created or ChangeAction.Configured).Select(c => $"{c.Resource.DisplayName}/{c.Name}").ToList();
                var state = o.Succeeded ? "done" : o.Error;
                human.Line($"{o.Namespace}/{o.Name}: {state}; applied: {(applied.Count == 0 ? "nothing" : string.Join(", ", applied))}");
            }

            human.Failure($"interrupted: {outcomes.Count(o => !o.Interrupted && o.Succeeded)} of {outcomes.Count} device(s) done; what was applied stays applied, and running the command again continues from there");
            return ExitCodes.For(outcomes);
        }

        foreach (var o in outcomes)
        {
            foreach (var note in o.Notes ?? [])
            {
                human.Line($"{o.Namespace}/{o.Name}: {note}");
            }

            var why = string.Join("; ", o.RestartReasons);
            if (o.RestartNeeded && o.Restarted)
            {
                human.Line($"{o.Namespace}/{o.Name}: {why}; restarted the VM");
            }
            else if (o.RestartNeeded && o.Succeeded && !options.Rollout)
            {
                human.Line($"{o.Namespace}/{o.Name}: {why}; the change takes effect at the next restart (kvedge restart {o.Name} -n {o.Namespace}, or upgrade --restart)");
            }

            if (!o.Succeeded)
            {
                var applied = o.Changes.Where(c => c.Action is ChangeAction.Created or ChangeAction.Configured).Select(c => $"{c.Resource.DisplayName}/{c.Name}").ToList();
                human.Failure($"{o.Namespace}/{o.Name}: {o.Error}");
                human.Line(applied.Count == 0
                    ? $"{o.Namespace}/{o.Name}: nothing was changed; run the command again once the problem is fixed"
                    : $"{o.Namespace}/{o.Name}: applied before the failure: {string.Join(", ", applied)}; running the command again continues from there");
            }
        }

        if (options.Wait && options.DryRun == DryRunMode.None)
        {
            // One deadline for the fleet, one summary: how many came up, and who was still waiting for what.
            var late = outcomes.Where(o => o.TimedOut).ToList();
            var ready = outcomes.Count(o => o.Succeeded);
            human.Line($"ready {ready}, timed out {late.Count}" + (late.Count == 0 ? "" : ": " + string.Join("; ", late.Select(o => $"{o.Namespace}/{o.Name} (waiting for {o.WaitedFor})"))));
        }

        var failed = outcomes.Count(o => !o.Succeeded);
        var verb = options.DryRun == DryRunMode.None ? (options.Upgrade ? "upgraded" : "installed") : "checked (dry run)";
        human.Line($"{outcomes.Count - failed} of {outcomes.Count} device(s) {verb}");
        return ExitCodes.For(outcomes);
    }
}
