using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge health NAME [-o json|yaml]</c>: the guest's health program (the one the readinessProbe runs), over SSH:
/// "healthy", or "converging: WHY" / "failed: WHY"; exit 0 only when healthy. EFLOW's Get-EflowVmSystemInformation
/// and `iotedge system status` in one.
/// </summary>
internal sealed class HealthCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Argument<string> _name = new Argument<string>("NAME") { Description = "The device." }.ValidatedAsDeviceName();
    private readonly Option<string> _output = OutputWriter.Option("text (one line), json or yaml (the runtime version, provisioning, services and modules).", "text", OutputWriter.Json, OutputWriter.Yaml);
    private GuestAccess? _access;

    public static Command Create(ICliConsole console, ClusterClientFactory factory) => new HealthCommand(console, factory).Build();

    protected override Command Define()
    {
        _access = new GuestAccess(Console, _cluster, identityShortFlag: true);
        var command = new Command("health", "Is IoT Edge healthy on a device? The guest's health program, over SSH; exit 0 only when healthy.") { _name };
        command.AddOptions(_cluster.All);
        command.AddOptions(_access.All);
        command.AddOptions([_output]);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var device = result.GetValue(_name)!;
        return _access!.RunAsync(result, human, device, nonInteractive: true, async (_, ns, ssh) =>
        {
            var health = await new HealthAction(new SshGuestShell(Console, ssh)).RunAsync(ct).ConfigureAwait(false);
            if (health.Failure is { } unreachable)
            {
                human.Failure($"{ns}/{device}: {unreachable.Message}");
                return ExitCodes.For(unreachable.Kind);
            }

            var report = health.Report!;
            var format = result.GetValue(_output)!;
            if (format == "text")
            {
                Console.StdOut.WriteLine(Core.Diagnostics.DisplayText.Escape(report.Summary));
            }
            else
            {
                OutputWriter.Write(Console.StdOut, format, report.ToJson(), [], []);
            }

            return report.Healthy ? ExitCodes.Success : ExitCodes.Failure;
        }, ct, stdin: false);
    }
}
