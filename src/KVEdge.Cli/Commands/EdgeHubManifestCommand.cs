using System.CommandLine;
using System.Text.Json;
using KVEdge.Cli.Console;
using KVEdge.Core.Rendering.IotEdge;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge edgehub-manifest</c>: the deployment-manifest fragment that keeps queued messages on the data disk.</summary>
internal static class EdgeHubManifestCommand
{
    public static Command Create(ICliConsole console)
    {
        var selection = DeviceSelection.Create();
        var command = new Command("edgehub-manifest", "Print the deployment-manifest fragment (edgeAgent/edgeHub StorageFolder and Binds) that keeps their state on the data disk.");
        command.AddOptions(selection.Options);

        command.SetAction(result =>
        {
            var human = new HumanOutput(console);
            var (device, _, code) = selection.SelectIotEdge(result, console, human);
            if (device is null)
            {
                return code!.Value;
            }

            console.StdOut.WriteLine(EdgeHubManifest.Render(device).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            human.Line("merge this into the systemModules of your deployment manifest (az iot edge set-modules), keeping the images you deploy");
            return ExitCodes.Success;
        });
        return command;
    }
}
