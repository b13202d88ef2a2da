using System.CommandLine;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Files;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge support-bundle NAME -o FILE</c>: `iotedge support-bundle` run in the guest and copied back, with the
/// converge journal, the health verdict and kvedge's view of the device's objects, in one zip (EFLOW's
/// Get-EflowLogs). Credentials stay out: no Secret is read, and what the guest gives is IoT Edge's own bundle.
/// </summary>
internal sealed class SupportBundleCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Argument<string> _name = new Argument<string>("NAME") { Description = "The device." }.ValidatedAsDeviceName();
    private readonly Option<string> _output = new("--output", "-o") { Description = "The zip file to write.", Required = true };
    private readonly Option<bool> _force = new("--force") { Description = "Replace the output file if it exists." };
    private readonly Option<string> _since = new("--since") { Description = "Logs since a duration ago (1d, 6h) or a date, as iotedge support-bundle --since.", DefaultValueFactory = _ => "1d" };
    private GuestAccess? _access;

    public static Command Create(ICliConsole console, ClusterClientFactory factory) => new SupportBundleCommand(console, factory).Build();

    protected override Command Define()
    {
        _access = new GuestAccess(Console, _cluster, identityShortFlag: true);
        var command = new Command("support-bundle", "Collect a device's IoT Edge support bundle, converge journal, health and objects into one zip.") { _name };
        command.AddOptions(_cluster.All);
        command.AddOptions(_access.All);
        command.AddOptions([_output, _force, _since]);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var since = result.GetValue(_since)!;
        if (!SinceValue.IsValid(since))
        {
            throw new CliInputException($"--since {Core.Diagnostics.DisplayText.Quote(since)}: want a duration (1d, 6h) or a date (2026-12-01, 2026-12-01 10:00:00)");
        }

        var file = Path.GetFullPath(Core.Input.InputFile.ExpandHome(result.GetValue(_output)!));
        var force = result.GetValue(_force);
        // Before anything reaches the cluster: a device, a link or a FIFO is never written, a file only with --force.
        OutputFile.CheckTarget(file, force, "--output");

        var device = result.GetValue(_name)!;
        return _access!.RunAsync(result, human, device, nonInteractive: true, async (client, ns, ssh) =>
        {
            // Through OutputFile: a temporary file beside the target, renamed over it only when the bundle is whole, so a
            // failed run leaves no half a zip.
            SupportBundleResult? bundle = null;
            await OutputFile.WriteAsync(file, force, "--output", async stream =>
            {
                bundle = await new SupportBundleAction(client, new SshGuestShell(Console, ssh)).RunAsync(ns, device, since, stream, ct).ConfigureAwait(false);
                return bundle.Failure is null;
            }, UnixFileMode.UserRead | UnixFileMode.UserWrite).ConfigureAwait(false);
            if (bundle!.Failure is { } unreachable)
            {
                human.Failure($"{ns}/{device}: {unreachable.Message}");
                return ExitCodes.For(unreachable.Kind);
            }

            foreach (var problem in bundle.Problems)
            {
                human.Warning($"{device}: {problem} (recorded in the bundle)");
            }

            human.Line($"wrote {file}: {string.Join(", ", bundle.Entries)}");
            return ExitCodes.Success;
        }, ct, stdin: false);
    }
}
