using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary>A guest whose ssh arguments are looked up (one VMI read, the VM's annotation) when it is first used.</summary>
internal sealed class ResolvingGuestShell(Func<Task<SshResult>> resolve, ICliConsole console) : IGuestShell
{
    public async Task<GuestRun> RunAsync(string command, CancellationToken ct)
    {
        var ssh = await resolve().ConfigureAwait(false);
        return ssh.Failure is { } failure
            ? new GuestRun(GuestRun.SshFailed, [], failure.Message)
            : await new SshGuestShell(console, ssh.Arguments).RunAsync(command, ct).ConfigureAwait(false);
    }
}
