namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge health NAME`: runs the guest's health program (the one the VM's readinessProbe runs) and reads its JSON
/// verdict. A guest that cannot be reached or has no health program is a failure, not "unhealthy".
/// </summary>
public sealed class HealthAction(IGuestShell guest)
{
    public async Task<HealthResult> RunAsync(CancellationToken ct)
    {
        var run = await guest.RunAsync(GuestCommands.Health(), ct).ConfigureAwait(false);
        if (run.ExitCode == GuestRun.SshFailed)
        {
            return new HealthResult(null, new ActionFailure(FailureKind.Failed, $"cannot reach the guest over SSH: {run.LastError}"));
        }

        // The program exits 1 when unhealthy and prints its verdict all the same; anything else is not its answer.
        var report = HealthReport.Parse(System.Text.Encoding.UTF8.GetString(run.StdOut));
        return report is null
            ? new HealthResult(null, new ActionFailure(FailureKind.Failed, $"the guest's health program did not answer (exit code {run.ExitCode}): {run.LastError}"))
            : new HealthResult(report, null);
    }
}
