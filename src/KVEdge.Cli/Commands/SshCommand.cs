using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge ssh NAME</c>: an SSH session in the device, as <c>virtctl ssh</c>: through the API server (KubeVirt's
/// portforward, any expose type) unless --via service; --print prints the ssh command instead of running it.
/// </summary>
internal sealed class SshCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Argument<string> _name = new Argument<string>("NAME") { Description = "The device." }.ValidatedAsDeviceName();
    private readonly Option<bool> _print = new("--print") { Description = "Print the ssh command instead of running it." };

    // Before the session ran ssh itself, --exec asked for that; it still means "run it".
    private readonly Option<bool> _exec = new("--exec") { Description = "Run ssh (the default).", Hidden = true };
    private GuestAccess? _access;

    public static Command Create(ICliConsole console, ClusterClientFactory factory) => new SshCommand(console, factory).Build();

    protected override Command Define()
    {
        _access = new GuestAccess(Console, _cluster, identityShortFlag: true);
        var command = new Command("ssh", "Open an SSH session in a device, through the API server (or its Service, --via service).") { _name };
        command.AddOptions(_cluster.All);
        command.AddOptions(_access.All);
        command.AddOptions([_print, _exec]);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct) =>
        _access!.RunAsync(result, human, result.GetValue(_name)!, nonInteractive: false, async (_, _, ssh) =>
        {
            if (result.GetValue(_print))
            {
                Console.StdOut.WriteLine("ssh " + string.Join(' ', ssh.Select(GuestCommands.Quote)));
                return ExitCodes.Success;
            }

            return await SshProcess.RunAttachedAsync(Console, ssh, ct).ConfigureAwait(false);
        }, ct);
}
