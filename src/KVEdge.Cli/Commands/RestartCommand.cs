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
                client.RestartVirtualMachineAsync(ns, device, CancellationToken.None).GetAwaiter().GetResult();
                human.Line($"virtualmachine.kubevirt.io/{device} restart requested");
                return ExitCodes.Success;
            });
        });
        return command;
    }
}
