using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

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

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var (device, ns, code) = _selection.SelectIotEdge(result, Console, human);
        if (device is null)
        {
            return Task.FromResult(code!.Value);
        }

        var toml = ConfigTomlAction.Run(new ConfigTomlOptions(device, ns, result.GetValue(_showSecrets)));
        if (toml.Text is { } text)
        {
            Console.StdOut.Write(text);
        }

        if (toml.Note is { } note)
        {
            human.Line(note);
        }

        return Task.FromResult(ExitCodes.Success);
    }
}
