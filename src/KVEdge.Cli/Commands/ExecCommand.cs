using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge exec NAME -- CMD [ARGS...]</c>: runs a command in the device over SSH (through the API server unless --via
/// service) and exits with its exit code, as <c>kubectl exec</c>: -i passes standard input, -t asks for a terminal;
/// each argument reaches the guest whole. EFLOW's Invoke-EflowVmCommand.
/// </summary>
internal sealed class ExecCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Argument<string> _name = new Argument<string>("NAME") { Description = "The device." }.ValidatedAsDeviceName();
    public const string CommandArgument = "COMMAND";

    private readonly Argument<string[]> _command = new(CommandArgument) { Description = "The command and its arguments, after --.", Arity = ArgumentArity.OneOrMore };
    private readonly Option<bool> _stdin = new("--stdin", "-i") { Description = "Pass standard input to the command." };
    private readonly Option<bool> _tty = new("--tty", "-t") { Description = "Allocate a terminal for the command." };
    private GuestAccess? _access;

    public static Command Create(ICliConsole console, ClusterClientFactory factory) => new ExecCommand(console, factory).Build();

    protected override Command Define()
    {
        // -i is kubectl exec's --stdin here, so the key file is --identity alone.
        _access = new GuestAccess(Console, _cluster, identityShortFlag: false);
        var command = new Command("exec", "Run a command in a device (over SSH, through the API server) and exit with its exit code.") { _name, _command };
        command.AddOptions(_cluster.All);
        command.AddOptions(_access.All);
        command.AddOptions([_stdin, _tty]);
        return command;
    }

    // The command's own exit code, as kubectl exec passes it on; ssh's 255 means ssh itself failed.
    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct) =>
        _access!.RunAsync(result, human, result.GetValue(_name)!, nonInteractive: false,
            (_, _, ssh) => SshProcess.RunAttachedAsync(Console, ssh, ct), ct,
            remoteCommand: GuestCommands.Exec(result.GetValue(_command)!), tty: result.GetValue(_tty), stdin: result.GetValue(_stdin));
}
