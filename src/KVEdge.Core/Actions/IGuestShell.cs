namespace KVEdge.Core.Actions;

/// <summary>Runs one command line in a device's guest (over SSH, in the CLI) and returns what it printed.</summary>
public interface IGuestShell
{
    Task<GuestRun> RunAsync(string command, CancellationToken ct);
}
