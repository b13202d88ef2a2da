using System.Diagnostics;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>
/// `kvedge upgrade --rollout` and `kvedge rollout status|pause|resume` through the CLI, the real KubernetesClient and
/// the contract server with its KubeVirt simulator: waves in the live view, a failing canary's exit code and reason,
/// resume after the fix, pause, a kvedge process killed mid-rollout and the next run resuming, bad flags refused first.
/// </summary>
public sealed class RolloutCommandTests : IAsyncLifetime
{
    private const string Ns = "factory-a";
    private const string ConnectionString = "HostName=hub-a.azure-devices.net;DeviceId=edge-01;SharedAccessKey=c2VjcmV0LWtleS1mb3ItY2xpLXJvbGxvdXQtdGVzdHM=";
    private ContractCluster _cluster = null!;
    private string _folder = null!;
    private string _fleet = null!;

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _cluster.Server.Simulator.RestartGrace = TimeSpan.FromMilliseconds(100);
        _folder = Directory.CreateTempSubdirectory("kvedge-cli-rollout-").FullName;
        _fleet = Path.Combine(_folder, "fleet.yaml");
        File.WriteAllText(_fleet, string.Join("\n---\n", Enumerable.Range(0, 6).Select(i =>
            Specs.Minimal($"edge-{i:00}", """
                iotEdge:
                  provisioning: {source: manual, method: connectionString}
                  credentials: {connectionStringEnv: IOTHUB_CS}
                """).Replace("  name: ", i == 5 ? "  labels: {ring: pilot}\n  name: " : "  name: ", StringComparison.Ordinal))));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_folder, true);
    }

    private (int Code, TestConsole Console) Kvedge(params string[] args) =>
        TestConsole.RunWith("", new Dictionary<string, string> { ["HOME"] = _folder, ["IOTHUB_CS"] = ConnectionString }, false, [.. args, "--kubeconfig", _cluster.Kubeconfig]);

    private void InstallReady()
    {
        _cluster.Server.Simulator.Start();
        var (code, console) = Kvedge("install", "-f", _fleet, "--wait", "--timeout", "60s");
        Assert.True(code == 0, console.Err);
        _cluster.Server.ResetRequests();
    }

    private Dictionary<string, int> Restarts() =>
        _cluster.Server.Requests.Where(r => r.Method == "PUT" && r.Path.EndsWith("/restart", StringComparison.Ordinal))
            .GroupBy(r => r.Path.Split('/')[^2]).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void A_failing_canary_exits_6_naming_the_device_and_reason_and_resume_after_the_fix_finishes()
    {
        InstallReady();
        _cluster.Server.Simulator.GuestHealthyWith = vmi => !(vmi["metadata"]!["name"]!.GetValue<string>() == "edge-00"
            && vmi["spec"]?["domain"]?["resources"]?["requests"]?["memory"]?.GetValue<string>() == "6Gi");

        var (code, console) = Kvedge("upgrade", "-f", _fleet, "--set", "spec.memory=6Gi", "--rollout", "--canary", "1", "--max-unavailable", "50%", "--progress-deadline", "3s");

        Assert.True(code == 6, console.Err);
        Assert.Contains("wave 1 (canary): restarting factory-a/edge-00\n", console.Err, StringComparison.Ordinal);
        Assert.Contains("factory-a/edge-00: failed: HealthProbeNotPassing: IoT Edge to be healthy", console.Err, StringComparison.Ordinal);
        Assert.Contains("error: rollout halted: the canary failed (factory-a/edge-00: HealthProbeNotPassing", console.Err, StringComparison.Ordinal);
        Assert.Contains("5 device(s) not restarted", console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("takes effect at the next restart", console.Err, StringComparison.Ordinal);
        Assert.Equal(["edge-00"], Restarts().Keys);

        var (statusCode, status) = Kvedge("rollout", "status", "-n", Ns);
        Assert.Equal(0, statusCode);
        Assert.Matches(@"factory-a +edge-00 +Failed +False +False +[0-9a-f]{16} +20[0-9-]+T[0-9:]+Z +HealthProbeNotPassing", status.Out);
        Assert.Matches(@"factory-a +edge-01 +Pending +True", status.Out);
        Assert.Contains("5 waiting, 0 restarting, 1 failed, 0 paused of 6 device(s)", status.Err, StringComparison.Ordinal);

        // The fix: the guest is healthy again; resume clears the failure, and the same upgrade finishes the rollout.
        _cluster.Server.Simulator.GuestHealthyWith = null;
        _cluster.Server.Simulator.SetGuestHealthy(Ns, "edge-00", true);
        WaitUntil(() => _cluster.Server.Store.Read(ResourceType.VirtualMachine, Ns, "edge-00")?["status"]?["ready"]?.GetValue<bool>() == true);
        var (resumeCode, resume) = Kvedge("rollout", "resume", "-f", _fleet);
        Assert.Equal(0, resumeCode);
        Assert.Contains("factory-a/edge-00: resumed\n1 device(s) resumed", resume.Err, StringComparison.Ordinal);

        var (finalCode, final) = Kvedge("upgrade", "-f", _fleet, "--set", "spec.memory=6Gi", "--rollout", "--canary", "1", "--max-unavailable", "50%", "--progress-deadline", "3s");
        Assert.True(finalCode == 0, final.Err);
        Assert.Contains("rollout complete: 6 device(s) restarted and Ready", final.Err, StringComparison.Ordinal);
        Assert.All(Restarts(), r => Assert.Equal(1, r.Value));
        Assert.Equal(6, Restarts().Count);
    }

    [Fact]
    public void Paused_devices_wait_and_the_rollout_exits_6_saying_so()
    {
        InstallReady();
        var (pauseCode, pause) = Kvedge("rollout", "pause", "-n", Ns, "-l", "ring=pilot");
        Assert.Equal(0, pauseCode);
        Assert.Contains("factory-a/edge-05: paused\n1 device(s) paused", pause.Err, StringComparison.Ordinal);

        var (code, console) = Kvedge("upgrade", "-f", _fleet, "--set", "spec.memory=6Gi", "--rollout", "--max-unavailable", "3");

        Assert.True(code == 6, console.Err);
        Assert.Contains("error: rollout paused: 1 device(s) wait for `kvedge rollout resume`", console.Err, StringComparison.Ordinal);
        Assert.Equal(5, Restarts().Count);
        Assert.DoesNotContain("edge-05", Restarts().Keys);
    }

    [Fact]
    public void The_canary_selector_picks_the_canary_devices()
    {
        InstallReady();
        var (code, console) = Kvedge("upgrade", "-f", _fleet, "--set", "spec.memory=6Gi", "--rollout", "--canary-selector", "ring=pilot", "--max-unavailable", "3");
        Assert.True(code == 0, console.Err);
        Assert.Contains("wave 1 (canary): restarting factory-a/edge-05\n", console.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kvedge_killed_mid_rollout_is_resumed_by_the_next_run_with_no_device_restarted_twice()
    {
        InstallReady();
        var kvedge = Path.Combine(AppContext.BaseDirectory, "kvedge.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.Environment["IOTHUB_CS"] = ConnectionString;
        psi.Environment["HOME"] = _folder;
        foreach (var a in new[] { kvedge, "upgrade", "-f", _fleet, "--set", "spec.memory=6Gi", "--rollout", "--timeout", "5m", "--kubeconfig", _cluster.Kubeconfig })
        {
            psi.ArgumentList.Add(a);
        }

        using (var process = Process.Start(psi)!)
        {
            _ = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            try
            {
                // SIGKILL once two devices have been restarted: no chance to tidy up.
                await WaitUntilAsync(() => Restarts().Count >= 2, process);
                process.Kill();
                await process.WaitForExitAsync();
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }

        var killedAfter = Restarts().Count;
        Assert.InRange(killedAfter, 2, 5);

        var (code, console) = Kvedge("upgrade", "-f", _fleet, "--set", "spec.memory=6Gi", "--rollout", "--timeout", "2m");

        Assert.True(code == 0, console.Err);
        Assert.Contains("rollout complete", console.Err, StringComparison.Ordinal);
        Assert.Equal(6, Restarts().Count);
        Assert.All(Restarts(), r => Assert.Equal(1, r.Value));
    }

    [Theory]
    [InlineData("--canary 1", "--canary: only with --rollout")]
    [InlineData("--rollout --restart", "--rollout and --restart: choose one")]
    [InlineData("--rollout --max-unavailable 0 --failure-threshold ten --canary 120% --canary-selector a=b --progress-deadline soon",
        "--max-unavailable 0: must be at least 1|--failure-threshold ten: must be a whole number of devices (3) or a percentage of them (10%)|--canary 120%: a percentage is at most 100%|--canary and --canary-selector: choose one|--progress-deadline soon: not a duration")]
    [InlineData("--rollout --canary-selector a=b=c", "--canary-selector a=b=c: not a label selector")]
    public void Bad_rollout_flags_exit_2_with_every_problem_before_anything_is_applied(string flags, string expected)
    {
        var (code, console) = Kvedge(["upgrade", "-f", _fleet, .. flags.Split(' ')]);
        Assert.Equal(2, code);
        foreach (var part in expected.Split('|'))
        {
            Assert.Contains(part, console.Err, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(_cluster.Server.Requests, r => r.IsWrite);
    }

    private static void WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 300 && !condition(); i++)
        {
            Thread.Sleep(50);
        }

        Assert.True(condition());
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Process process)
    {
        for (var i = 0; i < 1200 && !condition() && !process.HasExited; i++)
        {
            await Task.Delay(25);
        }

        Assert.True(condition(), "the rollout did not get that far");
    }
}
