using System.CommandLine;
using System.Diagnostics;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary><c>kvedge ssh NAME</c>: prints the ssh command for the device's Service endpoint; --exec runs it.</summary>
internal sealed class SshCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Argument<string> _name = new("NAME") { Description = "The device." };
    private readonly Option<bool> _exec = new("--exec") { Description = "Run ssh instead of printing the command." };
    private readonly Option<string?> _identity = new("--identity", "-i") { Description = "Private key file passed to ssh -i." };
    private readonly Option<string?> _user = new("--user", "-l") { Description = "Login user (default: the spec's ssh.user, from the VM's kvedge.io/ssh-user annotation)." };

    public static Command Create(ICliConsole console, ClusterClientFactory factory) => new SshCommand(console, factory).Build();

    protected override Command Define()
    {
        var command = new Command("ssh", "Print (or run, with --exec) the ssh command that reaches a device.") { _name };
        command.AddOptions(_cluster.All);
        command.AddOptions([_exec, _identity, _user]);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct) =>
        _cluster.RunAsync(result, async (client, ns) =>
        {
            var ssh = await new SshAction(client).RunAsync(new SshOptions(ns, result.GetValue(_name)!, result.GetValue(_user), result.GetValue(_identity)), ct).ConfigureAwait(false);
            if (ssh.Failure is { } failure)
            {
                human.Failure(failure.Message);
                return ExitCodes.For(failure.Kind);
            }

            if (!result.GetValue(_exec))
            {
                Console.StdOut.WriteLine("ssh " + string.Join(' ', ssh.Arguments.Select(Quote)));
                return ExitCodes.Success;
            }

            var start = new ProcessStartInfo("ssh") { UseShellExecute = false };
            foreach (var arg in ssh.Arguments)
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("ssh did not start");
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
            return process.ExitCode;
        });

    private static string Quote(string arg) => arg.All(c => char.IsAsciiLetterOrDigit(c) || "@._-/:=".Contains(c)) ? arg : $"'{arg.Replace("'", "'\\''", StringComparison.Ordinal)}'";
}
