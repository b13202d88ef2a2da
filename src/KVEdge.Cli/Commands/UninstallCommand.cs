using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Core.Input;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge uninstall NAME</c>, <c>-f FILE</c> (the devices a fleet file names) or <c>-l SELECTOR</c> (the devices
/// whose VMs match, as kubectl delete -l): deletes the devices, keeping each one's data disk and credentials unless
/// --purge, which asks first (--yes answers for scripts; with no answer at all, nothing is purged).
/// </summary>
internal sealed class UninstallCommand(ICliConsole console, ClusterClientFactory factory, IotConnectorFactory iot) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Argument<string?> _name = new Argument<string?>("NAME") { Description = "The device (its VirtualMachine's name).", Arity = ArgumentArity.ZeroOrOne }.ValidatedAsDeviceName();
    private readonly Option<string[]> _files = FleetFiles();
    private readonly Option<string?> _selector = new("--selector", "-l") { Description = "Delete the devices whose VirtualMachines match this label selector (app=x,site in (a,b)); instead of NAME." };
    private readonly Option<bool> _purge = new("--purge") { Description = "Also delete the data disk (EdgeHub's queue, the identities), the credentials Secret and a DPS TPM device's vTPM state (its TPM's keys)." };
    private readonly Option<bool> _yes = new("--yes", "-y") { Description = "Do not ask before --purge deletes data." };
    private readonly Option<string> _dryRun = DryRunOption.Create("list what would be deleted or kept, delete nothing");
    private readonly Option<int> _concurrency = CommonOptions.Concurrency("How many devices of a fleet are deleted at once.");

    public static Command Create(ICliConsole console, ClusterClientFactory factory, IotConnectorFactory iot) => new UninstallCommand(console, factory, iot).Build();

    private static Option<string[]> FleetFiles()
    {
        var files = CommonOptions.Files();
        files.Required = false;
        files.Description = "EdgeDevice spec file(s) naming the devices to delete (a fleet); instead of NAME.";
        return files;
    }

    protected override Command Define()
    {
        var command = new Command("uninstall", "Delete a device or a fleet; each device's data disk and credentials stay unless --purge.") { _name };
        command.AddOptions(_cluster.All);
        command.AddOptions([_files, _selector, _purge, _yes, _dryRun, _concurrency]);
        return command;
    }

    protected override async Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var chosen = new[] { result.GetValue(_name) is not null, result.GetValue(_files) is { Length: > 0 }, result.GetValue(_selector) is not null }.Count(x => x);
        if (chosen != 1)
        {
            human.Failure("name the devices one way: NAME, -f FILE or -l SELECTOR");
            return ExitCodes.InvalidInput;
        }

        // A fleet file is read and checked before the cluster is contacted, as install does.
        IReadOnlyList<(string? Namespace, string Device)> fromFile = [];
        IReadOnlyList<KVEdge.Core.Spec.EdgeDevice> registered = [];
        if (result.GetValue(_files) is { Length: > 0 } paths)
        {
            var inputs = ReadInput(() => InputFile.Read(paths, () => Console.StdIn));
            var checkedDevices = TemplateAction.Run(inputs, [], "default", Console.GetEnvironmentVariable);
            if (Rejected(human, checkedDevices.Diagnostics, "nothing deleted") is { } code)
            {
                return code;
            }

            fromFile = [.. checkedDevices.Specs.Select(s => (s.Value.Metadata.Namespace, s.Value.Metadata.Name!))];
            registered = [.. checkedDevices.Specs.Select(s => s.Value).Where(d => d.Spec.IotEdge?.Registration is not null)];
        }

        return await _cluster.RunAsync(result, async (client, ns) =>
        {
            var mode = DryRunOption.Mode(result, _dryRun);
            IReadOnlyList<(string Namespace, string Device)> devices;
            if (result.GetValue(_name) is { } single)
            {
                devices = [(ns, single)];
            }
            else if (result.GetValue(_selector) is { } labels)
            {
                devices = await UninstallAction.SelectAsync(client, ns, labels, ct).ConfigureAwait(false);
                if (devices.Count == 0)
                {
                    human.Failure($"no kvedge devices in {ns} match -l {labels}");
                    return ExitCodes.Failure;
                }
            }
            else
            {
                devices = [.. fromFile.Select(d => (d.Namespace ?? ns, d.Device))];
            }

            if (result.GetValue(_purge) && !result.GetValue(_yes) && mode == DryRunMode.None && !Confirmed(human, devices))
            {
                return ExitCodes.InvalidInput;
            }

            var action = new UninstallAction(client);
            var outcomes = devices.Count == 1
                ? [await action.RunAsync(devices[0].Namespace, devices[0].Device, result.GetValue(_purge), mode, ct).ConfigureAwait(false)]
                : await action.RunFleetAsync(devices, result.GetValue(_purge), mode, result.GetValue(_concurrency), ct).ConfigureAwait(false);
            var code = Report(human, outcomes);
            if (registered.Count == 0)
            {
                return code;
            }

            // The identities of the devices that are gone, as each one's onDelete says; a client dry run cannot read them.
            if (mode == DryRunMode.Client)
            {
                human.Line("registration: onDelete is not shown by a client dry run; --dry-run=server says what it would do");
                return code;
            }

            var gone = outcomes.Where(o => o.Succeeded || o.NotFound).Select(o => $"{o.Namespace}/{o.Name}").ToHashSet(StringComparer.Ordinal);
            using var connector = iot();
            var unregistered = await new RegisterAction(client, connector)
                .UnregisterAsync([.. registered.Where(d => gone.Contains($"{d.Metadata.Namespace ?? ns}/{d.Metadata.Name}"))], ns, result.GetValue(_purge), mode == DryRunMode.Server, ct).ConfigureAwait(false);
            foreach (var o in unregistered)
            {
                foreach (var change in o.Changes)
                {
                    human.Line($"{o.Namespace}/{o.Name}: {change}");
                }

                if (o.Error is not null)
                {
                    human.Failure($"{o.Namespace}/{o.Name}: registration (onDelete): {o.Error}; running the command again retries it");
                }
            }

            return code == ExitCodes.Success && unregistered.Any(o => !o.Succeeded) ? ExitCodes.Failure : code;
        }).ConfigureAwait(false);
    }

    // --purge deletes data a re-install cannot bring back: the user types the device's name, or for a fleet its size.
    private bool Confirmed(HumanOutput human, IReadOnlyList<(string Namespace, string Device)> devices)
    {
        var (what, expected) = devices.Count == 1
            ? ($"the data disk of {devices[0].Namespace}/{devices[0].Device} (EdgeHub's queued messages, the IoT Edge identities) and its credentials. Type the device name to confirm: ", devices[0].Device)
            : ($"the data disks of {devices.Count} devices (EdgeHub's queued messages, the IoT Edge identities) and their credentials. Type the number of devices ({devices.Count}) to confirm: ",
                devices.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Console.StdErr.Write("--purge deletes " + what);
        Console.StdErr.Flush();
        var answer = Console.StdIn.ReadLine();
        if (answer?.Trim() == expected)
        {
            return true;
        }

        human.Failure(answer is null
            ? "--purge needs a confirmation and there is no input to read one from; add --yes to confirm. Nothing was deleted."
            : "not confirmed; nothing was deleted");
        return false;
    }

    private static int Report(HumanOutput human, IReadOnlyList<DeviceOutcome> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            foreach (var change in outcome.Changes)
            {
                human.Line(change.ToString());
            }
        }

        foreach (var outcome in outcomes.Where(o => !o.Succeeded))
        {
            human.Failure(outcomes.Count == 1 ? outcome.Error! : $"{outcome.Namespace}/{outcome.Name}: {outcome.Error}");
            if (outcome.Changes.Any(c => c.Action == ChangeAction.Deleted))
            {
                human.Line("running the command again continues from there");
            }
        }

        if (outcomes.Count > 1)
        {
            human.Line($"{outcomes.Count(o => o.Succeeded)} of {outcomes.Count} device(s) uninstalled");
        }

        return ExitCodes.For(outcomes);
    }
}
