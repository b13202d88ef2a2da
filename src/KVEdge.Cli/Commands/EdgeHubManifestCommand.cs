using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge edgehub-manifest</c>: the deployment-manifest fragment that keeps queued messages on the data disk.</summary>
internal sealed class EdgeHubManifestCommand(ICliConsole console) : CliCommand(console)
{
    private readonly DeviceSelection _selection = DeviceSelection.Create();

    public static Command Create(ICliConsole console) => new EdgeHubManifestCommand(console).Build();

    protected override Command Define()
    {
        var command = new Command("edgehub-manifest", "Print the deployment-manifest fragment (edgeAgent/edgeHub StorageFolder and Binds) that keeps their state on the data disk.");
        command.AddOptions(_selection.Options);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var (device, _, code) = _selection.SelectIotEdge(result, Console, human);
        if (device is null)
        {
            return Task.FromResult(code!.Value);
        }

        Console.StdOut.WriteLine(EdgeHubManifestAction.Run(device));
        human.Line(EdgeHubManifestAction.Hint);
        return Task.FromResult(ExitCodes.Success);
    }
}
