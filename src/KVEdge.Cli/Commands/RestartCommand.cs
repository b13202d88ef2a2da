using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge restart NAME</c>: KubeVirt's restart subresource, as virtctl restart calls it.</summary>
internal sealed class RestartCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Argument<string> _name = new Argument<string>("NAME") { Description = "The device." }.ValidatedAsDeviceName();

    public static Command Create(ICliConsole console, ClusterClientFactory factory) => new RestartCommand(console, factory).Build();

    protected override Command Define()
    {
        var command = new Command("restart", "Restart a device's VM (its disks, and so its data, stay).") { _name };
        command.AddOptions(_cluster.All);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct) =>
        _cluster.RunAsync(result, async (client, ns) =>
        {
            var device = result.GetValue(_name)!;
            var restart = await new RestartAction(client).RunAsync(new RestartOptions(ns, device), ct).ConfigureAwait(false);
            if (restart.Failure is { } failure)
            {
                human.Failure(failure.Message);
                return ExitCodes.For(failure.Kind);
            }

            // Asynchronous, as virtctl's: the old instance shuts down, then a new one starts.
            human.Line($"virtualmachine.kubevirt.io/{device} restart requested");
            return ExitCodes.Success;
        });
}
