using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Cluster;
using KVEdge.Core.Input;
using KVEdge.Core.Rendering;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge uninstall NAME</c>, <c>-f FILE</c> (the devices a fleet file names) or <c>-l SELECTOR</c> (the devices
/// whose VMs match, as kubectl delete -l): deletes the devices, keeping each one's data disk and credentials unless
/// --purge, which asks first (--yes answers for scripts; with no answer at all, nothing is purged).
/// </summary>
internal static class UninstallCommand
{
    public static Command Create(ICliConsole console, ClusterClientFactory factory)
    {
        var cluster = new ClusterOptions(console, factory);
        var name = new Argument<string?>("NAME") { Description = "The device (its VirtualMachine's name).", Arity = ArgumentArity.ZeroOrOne };
        var files = CommonOptions.Files();
        files.Required = false;
        files.Description = "EdgeDevice spec file(s) naming the devices to delete (a fleet); instead of NAME.";
        var selector = new Option<string?>("--selector", "-l") { Description = "Delete the devices whose VirtualMachines match this label selector (app=x,site in (a,b)); instead of NAME." };
        var purge = new Option<bool>("--purge") { Description = "Also delete the data disk (EdgeHub's queue, the identities), the credentials Secret and a DPS TPM device's vTPM state (its TPM's keys)." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask before --purge deletes data." };
        var dryRun = DryRunOption.Create("list what would be deleted or kept, delete nothing");
        var concurrency = CommonOptions.Concurrency("How many devices of a fleet are deleted at once.");
        var command = new Command("uninstall", "Delete a device or a fleet; each device's data disk and credentials stay unless --purge.") { name };
        command.AddOptions(cluster.All);
        command.AddOptions([files, selector, purge, yes, dryRun, concurrency]);
        command.SetAction(result =>
        {
            var human = new HumanOutput(console);
            var chosen = new[] { result.GetValue(name) is not null, result.GetValue(files) is { Length: > 0 }, result.GetValue(selector) is not null }.Count(x => x);
            if (chosen != 1)
            {
                human.Failure("name the devices one way: NAME, -f FILE or -l SELECTOR");
                return ExitCodes.InvalidInput;
            }

            // A fleet file is read and checked before the cluster is contacted, as install does.
            IReadOnlyList<(string? Namespace, string Device)> fromFile = [];
            if (result.GetValue(files) is { Length: > 0 } paths)
            {
                IReadOnlyList<InputFile> inputs = [];
                if (InputErrors.Guard(human, () => inputs = InputFile.Read(paths, () => console.StdIn)) is { } code)
                {
                    return code;
                }

                var checkedDevices = TemplateAction.Run(inputs, [], "default", console.GetEnvironmentVariable);
                human.Diagnostics(checkedDevices.Diagnostics.Items);
                if (checkedDevices.Diagnostics.HasErrors)
                {
                    human.Failure($"{checkedDevices.Diagnostics.ErrorCount} error(s); nothing deleted");
                    return ExitCodes.InvalidInput;
                }

                fromFile = [.. checkedDevices.Specs.Select(s => (s.Value.Metadata.Namespace, s.Value.Metadata.Name!))];
            }

            return cluster.Run(result, human, (client, ns) =>
            {
                var mode = DryRunOption.Mode(result, dryRun);
                IReadOnlyList<(string Namespace, string Device)> devices;
                if (result.GetValue(name) is { } single)
                {
                    devices = [(ns, single)];
                }
                else if (result.GetValue(selector) is { } labels)
                {
                    // The user's selector, narrowed to kvedge's devices; a device is named by its VM's device label.
                    var vms = client.ListAsync(ClusterResource.VirtualMachine, ns, $"{labels},{StandardLabels.DeviceSelector(null)}", null, CancellationToken.None).GetAwaiter().GetResult();
                    devices = [.. vms.Items.Select(vm => (ns, vm["metadata"]!["labels"]![StandardLabels.Device]!.GetValue<string>())).Distinct().Order()];
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

                if (result.GetValue(purge) && !result.GetValue(yes) && mode == DryRunMode.None && !Confirmed(console, human, devices))
                {
                    return ExitCodes.InvalidInput;
                }

                var outcomes = devices.Count == 1
                    ? [new UninstallAction(client).RunAsync(devices[0].Namespace, devices[0].Device, result.GetValue(purge), mode, CancellationToken.None).GetAwaiter().GetResult()]
                    : new UninstallAction(client).RunFleetAsync(devices, result.GetValue(purge), mode, result.GetValue(concurrency), CancellationToken.None).GetAwaiter().GetResult();
                return Report(human, outcomes);
            });
        });
        return command;
    }

    // --purge deletes data a re-install cannot bring back: the user types the device's name, or for a fleet its size.
    private static bool Confirmed(ICliConsole console, HumanOutput human, IReadOnlyList<(string Namespace, string Device)> devices)
    {
        var (what, expected) = devices.Count == 1
            ? ($"the data disk of {devices[0].Namespace}/{devices[0].Device} (EdgeHub's queued messages, the IoT Edge identities) and its credentials. Type the device name to confirm: ", devices[0].Device)
            : ($"the data disks of {devices.Count} devices (EdgeHub's queued messages, the IoT Edge identities) and their credentials. Type the number of devices ({devices.Count}) to confirm: ",
                devices.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        console.StdErr.Write("--purge deletes " + what);
        console.StdErr.Flush();
        var answer = console.StdIn.ReadLine();
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

        return outcomes.All(o => o.Succeeded) ? ExitCodes.Success
            : outcomes.Any(o => o.Unreachable) ? ExitCodes.ClusterUnavailable
            : ExitCodes.Failure;
    }
}
