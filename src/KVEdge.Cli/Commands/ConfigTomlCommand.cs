using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Rendering.IotEdge;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge config-toml</c>: the /etc/aziot/config.toml a device will get, credentials redacted unless asked.</summary>
internal static class ConfigTomlCommand
{
    public static Command Create(ICliConsole console)
    {
        var selection = DeviceSelection.Create();
        var showSecrets = new Option<bool>("--show-secrets") { Description = "Print credential values instead of <redacted>." };
        var command = new Command("config-toml", "Print the /etc/aziot/config.toml a device will get (credentials redacted unless --show-secrets).");
        command.AddOptions(selection.Options);

        command.Options.Add(showSecrets);
        command.SetAction(result =>
        {
            var human = new HumanOutput(console);
            var (device, ns, code) = selection.SelectIotEdge(result, console, human);
            if (device?.Spec.IotEdge is not { } iot)
            {
                return code!.Value;
            }

            if (ProvisioningModes.IsVerbatim(iot))
            {
                if (result.GetValue(showSecrets) && iot.Credentials.ConfigToml is { } verbatim)
                {
                    console.StdOut.Write(verbatim.EndsWith('\n') ? verbatim : verbatim + "\n");
                }
                else
                {
                    human.Line("the device gets the config.toml given verbatim (credentials.configToml); --show-secrets prints it");
                }

                return ExitCodes.Success;
            }

            var template = ConfigTomlRenderer.RenderTemplate(device);
            console.StdOut.Write(ConfigTomlRenderer.Resolve(template, DeviceCredentials.Values(iot), result.GetValue(showSecrets)));
            if (iot.Credentials.ExistingSecret is { } secret)
            {
                human.Line($"note: @@KVEDGE:...@@ values are filled at boot from Secret {ns}/{secret}");
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
