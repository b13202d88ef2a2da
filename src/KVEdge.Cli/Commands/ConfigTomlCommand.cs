using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Rendering.IotEdge;

using KVEdge.Core.Spec;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge config-toml</c>: the /etc/aziot/config.toml a device will get, credentials redacted unless asked.</summary>
internal sealed class ConfigTomlCommand(ICliConsole console) : CliCommand(console)
{
    private readonly DeviceSelection _selection = DeviceSelection.Create();
    private readonly Option<bool> _showSecrets = new("--show-secrets") { Description = "Print credential values instead of <redacted>." };

    public static Command Create(ICliConsole console) => new ConfigTomlCommand(console).Build();

    protected override Command Define()
    {
        var command = new Command("config-toml", "Print the /etc/aziot/config.toml a device will get (credentials redacted unless --show-secrets).");
        command.AddOptions(_selection.Options);
        command.Options.Add(_showSecrets);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct) => Task.FromResult(Execute(result, human));

    private int Execute(ParseResult result, HumanOutput human)
    {
        var (device, ns, code) = _selection.SelectIotEdge(result, Console, human);
        if (device?.Spec.IotEdge is not { } iot)
        {
            return code!.Value;
        }

        if (ProvisioningModes.IsVerbatim(iot))
        {
            if (result.GetValue(_showSecrets) && iot.Credentials.ConfigToml is { } verbatim)
            {
                Console.StdOut.Write(verbatim.EndsWith('\n') ? verbatim : verbatim + "\n");
            }
            else
            {
                human.Line("the device gets the config.toml given verbatim (credentials.configToml); --show-secrets prints it");
            }

            return ExitCodes.Success;
        }

        var template = ConfigTomlRenderer.RenderTemplate(device);
        Console.StdOut.Write(ConfigTomlRenderer.Resolve(template, DeviceCredentials.Values(iot), result.GetValue(_showSecrets)));
        if (iot.Credentials.ExistingSecret is { } secret)
        {
            human.Line($"note: @@KVEDGE:...@@ values are filled at boot from Secret {ns}/{secret}");
        }

        return ExitCodes.Success;
    }
}
