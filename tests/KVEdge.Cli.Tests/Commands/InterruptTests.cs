using System.Diagnostics;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>
/// Ctrl-C during `install --wait`, as a user presses it: the real kvedge process gets SIGINT while it waits for a fleet
/// whose imports never finish, stops waiting, says what each device has applied, and exits 130.
/// </summary>
public sealed class InterruptTests : IAsyncLifetime
{
    private ContractCluster _cluster = null!;
    private string _folder = null!;

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _folder = Directory.CreateTempSubdirectory("kvedge-interrupt-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_folder, true);
    }

    [Fact]
    public async Task Sigint_during_install_wait_reports_what_was_applied_and_exits_130()
    {
        _cluster.Server.Simulator.ImportStallsAt = 50;
        _cluster.Server.Simulator.Start();
        var spec = Path.Combine(_folder, "fleet.yaml");
        File.WriteAllText(spec, string.Join("\n---\n", new[] { "edge-01", "edge-02" }.Select(n => Specs.Minimal(n))));

        var kvedge = Path.Combine(AppContext.BaseDirectory, "kvedge.dll");
        // SIGINT at its default disposition, as a terminal's Ctrl-C finds it: a test run started in the background (CI
        // does) inherits it ignored, and a process never sees an ignored signal. coreutils' env resets it for the child.
        var psi = new ProcessStartInfo("env") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--default-signal=INT", "dotnet", kvedge, "install", "-f", spec, "--wait", "--timeout", "5m", "--kubeconfig", _cluster.Kubeconfig })
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        try
        {
            await InterruptAndCheck(process);
        }
        finally
        {
            // A kvedge that ignored the signal must not outlive the test.
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private async Task InterruptAndCheck(Process process)
    {
        var err = new System.Text.StringBuilder();
        var waiting = new TaskCompletionSource();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (err)
            {
                err.AppendLine(e.Data);
            }

            if (e.Data.Contains("waiting for the DataVolumes to import", StringComparison.Ordinal))
            {
                waiting.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        _ = process.StandardOutput.ReadToEndAsync();

        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(60));
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(deadline.Token);
        var text = err.ToString();

        Assert.True(process.ExitCode == ExitCodes.Interrupted, $"exit {process.ExitCode}\n{text}");
        Assert.Contains("factory-a/edge-01: interrupted while waiting for the DataVolumes to import; applied: secret/edge-01-cloudinit", text, StringComparison.Ordinal);
        Assert.Contains("virtualmachine.kubevirt.io/edge-02", text, StringComparison.Ordinal);
        Assert.Contains("error: interrupted: 0 of 2 device(s) done; what was applied stays applied", text, StringComparison.Ordinal);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-02"));
    }
}
