using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge dps derive-key</c>: the device key of a DPS symmetric-key group enrollment.</summary>
internal sealed class DpsCommand(ICliConsole console) : CliCommand(console)
{
    private readonly Option<string?> _groupKey = new("--group-key") { Description = "The enrollment group's primary or secondary key (base64)." };
    private readonly Option<string?> _groupKeyFile = new("--group-key-file") { Description = "Read the group key from a file instead (keeps it out of shell history)." };
    private readonly Option<string> _registrationId = new("--registration-id") { Description = "The device's registration id (it becomes the device id).", Required = true };

    public static Command Create(ICliConsole console) => new Command("dps", "Azure IoT Hub Device Provisioning Service helpers.") { new DpsCommand(console).Build() };

    protected override Command Define() => new("derive-key", "Print the device key for a DPS group enrollment: Base64(HMAC-SHA256(groupKey, registrationId)).")
    {
        _groupKey,
        _groupKeyFile,
        _registrationId,
    };

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var inline = result.GetValue(_groupKey);
        var file = result.GetValue(_groupKeyFile);
        if ((inline is null) == (file is null))
        {
            human.Failure("give the group key once: --group-key or --group-key-file");
            return Task.FromResult(ExitCodes.InvalidInput);
        }

        var key = inline ?? ReadInput(() => File.ReadAllText(file!));
        var derived = DpsDeriveKeyAction.Run(new DpsDeriveKeyOptions(key, result.GetValue(_registrationId)!));
        foreach (var problem in derived.Problems)
        {
            human.Failure(problem);
        }

        if (derived.Failure is { } failure)
        {
            return Task.FromResult(ExitCodes.For(failure.Kind));
        }

        Console.StdOut.WriteLine(derived.DeviceKey);
        return Task.FromResult(ExitCodes.Success);
    }
}
