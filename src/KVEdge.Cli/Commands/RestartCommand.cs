using System.CommandLine;
using KVEdge.Cli.Console;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge restart NAME</c>: KubeVirt's restart subresource, as virtctl restart calls it.</summary>
internal static class RestartCommand
{
    public static Command Create(ICliConsole console, ClusterClientFactory factory)
    {
        var cluster = new ClusterOptions(console, factory);
        var name = new Argument<string>("NAME") { Description = "The device." };
        var command = new Command("restart", "Restart a device's VM (its disks, and so its data, stay).") { name };
        command.AddOptions(cluster.All);
        command.SetAction(result =>
        {
            var human = new HumanOutput(console);
            return cluster.Run(result, human, (client, ns) =>
            {
                var device = result.GetValue(name)!;
                try
                {
                    client.RestartVirtualMachineAsync(ns, device, CancellationToken.None).GetAwaiter().GetResult();
                }
                catch (KVEdge.Core.Cluster.ClusterApiException ex) when (ex.IsConflict || ex.Status == System.Net.HttpStatusCode.InternalServerError)
                {
                    // KubeVirt refuses a restart for runStrategy Halted/Once and a VM that is not running (409), and while
                    // an earlier stop/start is queued (500): its answer, not a field conflict (kubevirt pkg/virt-api/rest/lifecycle.go).
                    human.Failure($"KubeVirt did not restart virtualmachine.kubevirt.io/{device}: {ex.Message}");
                    return ExitCodes.Failure;
                }

                // Asynchronous, as virtctl's: the old instance shuts down, then a new one starts.
                human.Line($"virtualmachine.kubevirt.io/{device} restart requested");
                return ExitCodes.Success;
            });
        });
        return command;
    }
}
