using System.CommandLine;
using System.Text.RegularExpressions;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge logs NAME [MODULE] [-f]</c>: the aziot daemons' and kvedge's journal in the guest, or one IoT Edge module's
/// logs (`iotedge logs MODULE`), over SSH, as <c>kubectl logs</c> reads (--tail, --since, -f). EFLOW's Get-EflowVmLogs.
/// </summary>
internal sealed partial class LogsCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Argument<string> _name = new Argument<string>("NAME") { Description = "The device." }.ValidatedAsDeviceName();
    private readonly Argument<string?> _module = new("MODULE") { Description = "An IoT Edge module (edgeAgent, edgeHub, ...); the aziot and kvedge journal when omitted.", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<bool> _follow = new("--follow", "-f") { Description = "Keep printing new lines." };
    private readonly Option<int?> _tail = new("--tail") { Description = "Only the last N lines." };
    private readonly Option<string?> _since = new("--since") { Description = "Only lines since a duration ago (15m, 2h, 1d) or a date (2026-12-01 10:00:00)." };
    private GuestAccess? _access;

    public static Command Create(ICliConsole console, ClusterClientFactory factory) => new LogsCommand(console, factory).Build();

    protected override Command Define()
    {
        _access = new GuestAccess(Console, _cluster, identityShortFlag: true);
        var command = new Command("logs", "Print a device's IoT Edge logs: the aziot and kvedge journal, or one module's.") { _name, _module };
        command.AddOptions(_cluster.All);
        command.AddOptions(_access.All);
        command.AddOptions([_follow, _tail, _since]);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        // Checked before anything runs in the guest (they are quoted there all the same).
        var module = result.GetValue(_module);
        if (module is not null && !ModuleName().IsMatch(module))
        {
            throw new CliInputException($"MODULE {Core.Diagnostics.DisplayText.Quote(module)}: a module name is letters, digits, '.', '_' and '-', starting with a letter or digit");
        }

        if (result.GetValue(_tail) is < 0)
        {
            throw new CliInputException("--tail: must be 0 or more");
        }

        if (result.GetValue(_since) is { } since && !SinceValue.IsValid(since))
        {
            throw new CliInputException($"--since {Core.Diagnostics.DisplayText.Quote(since)}: want a duration (15m, 2h, 1d) or a date (2026-12-01, 2026-12-01 10:00:00)");
        }

        var command = GuestCommands.Logs(module, result.GetValue(_follow), result.GetValue(_tail), result.GetValue(_since));
        return _access!.RunAsync(result, human, result.GetValue(_name)!, nonInteractive: true,
            async (_, _, ssh) => await SshProcess.RunAttachedAsync(Console, ssh, ct).ConfigureAwait(false) == 0 ? ExitCodes.Success : ExitCodes.Failure, ct,
            remoteCommand: command, stdin: false);
    }

    // Docker's container-name rule, which IoT Edge module names follow (moby/moby daemon/names: [a-zA-Z0-9][a-zA-Z0-9_.-]).
    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}\\z")]
    private static partial Regex ModuleName();
}
