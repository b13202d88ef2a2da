using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Cluster;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge uninstall NAME</c>: deletes the device, keeping its data disk and credentials unless --purge, which asks
/// first (--yes answers for scripts; with no answer at all, nothing is purged).
/// </summary>
internal static class UninstallCommand
{
    public static Command Create(ICliConsole console, ClusterClientFactory factory)
    {
        var cluster = new ClusterOptions(console, factory);
        var name = new Argument<string>("NAME") { Description = "The device (its VirtualMachine's name)." };
        var purge = new Option<bool>("--purge") { Description = "Also delete the data disk (EdgeHub's queue, the identities), the credentials Secret and a DPS TPM device's vTPM state (its TPM's keys)." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask before --purge deletes data." };
        var dryRun = DryRunOption.Create("list what would be deleted or kept, delete nothing");
        var command = new Command("uninstall", "Delete a device; its data disk and credentials stay unless --purge.") { name };
        command.AddOptions(cluster.All);
        command.AddOptions([purge, yes, dryRun]);
        command.SetAction(result =>
        {
            var human = new HumanOutput(console);
            return cluster.Run(result, human, (client, ns) =>
            {
                var device = result.GetValue(name)!;
                var mode = DryRunOption.Mode(result, dryRun);
                if (result.GetValue(purge) && !result.GetValue(yes) && mode == DryRunMode.None)
                {
                    console.StdErr.Write($"--purge deletes the data disk of {ns}/{device} (EdgeHub's queued messages, the IoT Edge identities) and its credentials. Type the device name to confirm: ");
                    console.StdErr.Flush();
                    var answer = console.StdIn.ReadLine();
                    if (answer?.Trim() != device)
                    {
                        human.Failure(answer is null
                            ? "--purge needs a confirmation and there is no input to read one from; add --yes to confirm. Nothing was deleted."
                            : "not confirmed; nothing was deleted");
                        return ExitCodes.InvalidInput;
                    }
                }

                var outcome = new UninstallAction(client).RunAsync(ns, device, result.GetValue(purge), mode, CancellationToken.None).GetAwaiter().GetResult();
                foreach (var change in outcome.Changes)
                {
                    human.Line(change.ToString());
                }

                if (!outcome.Succeeded)
                {
                    human.Failure(outcome.Error!);
                    if (outcome.Changes.Any(c => c.Action == ChangeAction.Deleted))
                    {
                        human.Line("running the command again continues from there");
                    }

                    return outcome.Unreachable ? ExitCodes.ClusterUnavailable : ExitCodes.Failure;
                }

                return ExitCodes.Success;
            });
        });
        return command;
    }
}
