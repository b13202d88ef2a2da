using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary>A device's guest as <see cref="IGuestShell"/>: each command one ssh run on the arguments that reach it.</summary>
internal sealed class SshGuestShell(ICliConsole console, IReadOnlyList<string> sshArguments) : IGuestShell
{
    public Task<GuestRun> RunAsync(string command, CancellationToken ct) =>
        SshProcess.RunCapturedAsync(console, [.. sshArguments, command], ct);
}
