using System.Diagnostics;
using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Rendering;

/// <summary>
/// The guest's health program (files/guest/kvedge-health.sh) against a stand-in guest whose iotedge answers in the real
/// CLI's words (aziotctl system/status.rs; iotedge list), and a new device as the real runtime leaves it: edgeAgent
/// alone until the first IoT Hub deployment (../shared/reference/stock-guest-behaviour.md).
/// </summary>
public sealed class HealthProgramTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kvedge-health-").FullName;
    private readonly StandInGuest _guest;

    public HealthProgramTests() => _guest = StandInGuest.Create(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_new_device_with_edgeAgent_alone_passes_with_the_no_deployment_note()
    {
        var text = _guest.Health();
        Assert.True(text.ExitCode == 0, text.StdOut + text.StdErr);
        Assert.Equal("healthy, no deployment yet: edgeAgent runs alone and reports 417 until the device's IoT Hub deployment is set; edgeHub starts with it\n", text.StdOut);

        var report = HealthReport.Parse(_guest.Health("--json").StdOut)!;
        Assert.True(report.Healthy);
        Assert.Equal("none", report.Deployment);
        Assert.Equal("healthy, no deployment yet", report.Brief);
        Assert.StartsWith("no deployment yet: ", report.Note, StringComparison.Ordinal);
        Assert.Equal(["edgeAgent"], report.Modules.Select(m => m.Key));
        // aziot-tpmd idles (systemctl inactive), which `iotedge system status` shows as Ready: not a fault.
        Assert.Equal("Ready", report.Services.Single(s => s.Key == "aziot-tpmd").Value);
    }

    [Fact]
    public void Once_a_deployment_has_arrived_edgeHub_is_required()
    {
        _guest.Deployed();
        var healthy = _guest.Health();
        Assert.Equal((0, "healthy\n"), (healthy.ExitCode, healthy.StdOut));
        var report = HealthReport.Parse(_guest.Health("--json").StdOut)!;
        Assert.Equal(("received", "", "healthy"), (report.Deployment, report.Note, report.Brief));

        _guest.SetModule("edgeHub", "backoff");
        var sick = _guest.Health();
        Assert.Equal((1, "failed: edgeHub is backoff\n"), (sick.ExitCode, sick.StdOut));
    }

    [Fact]
    public void EdgeAgent_not_running_fails_with_or_without_a_deployment()
    {
        _guest.SetModule("edgeAgent", "stopped");
        Assert.Equal((1, "failed: edgeAgent is stopped\n"), Run());

        File.Delete(Path.Combine(_guest.Root, "var", "lib", "kvedge-standin", "modules", "edgeAgent"));
        Assert.Equal((1, "failed: edgeAgent is not running: aziot-edged has not started it (journalctl -u aziot-edged)\n"), Run());
    }

    [Theory]
    // aziot-edged runs the modules: idle is not enough. The identity services are socket-activated: idle is fine.
    [InlineData("aziot-edged", "inactive", 1, "failed: aziot-edged is not running (iotedge system status: Ready, nothing has started it)\n")]
    [InlineData("aziot-edged", "failed", 1, "failed: aziot-edged is Down - failed\n")]
    [InlineData("aziot-identityd", "activating", 1, "failed: aziot-identityd is Down - activating\n")]
    [InlineData("aziot-keyd", "inactive", 0, null)]
    [InlineData("aziot-certd", "inactive", 0, null)]
    public void Services_are_judged_by_the_words_iotedge_system_status_uses(string service, string isActive, int exit, string? output)
    {
        _guest.SetService(service, isActive);
        var (code, text) = Run();
        Assert.Equal(exit, code);
        if (output is not null)
        {
            Assert.Equal(output, text);
        }
    }

    [Fact]
    public void The_journal_iotedge_system_status_prints_for_a_down_service_is_not_read_as_states()
    {
        // After the list, aziotctl prints "aziot-keyd is in a bad state because:" and the unit's journal: a line that
        // starts with a service's name must not overwrite its state ("is").
        _guest.SetService("aziot-keyd", "failed");
        var report = HealthReport.Parse(_guest.Health("--json").StdOut)!;
        Assert.Equal("Down - failed", report.Services.Single(s => s.Key == "aziot-keyd").Value);
        Assert.Equal("failed: aziot-keyd is Down - failed", report.Summary);
        Assert.Equal("Running", report.Services.Single(s => s.Key == "aziot-edged").Value);
    }

    [Fact]
    public void A_hung_iotedge_is_a_failed_verdict_inside_the_probe_budget()
    {
        // `iotedge list` waits on aziot-edged's socket; a daemon that accepts and never answers hangs it. KubeVirt gives
        // the probe 10 s (timeoutSeconds) and then reports nothing useful: the program answers first, with the reason.
        var standIn = File.ReadAllText(Path.Combine(_guest.Bin, "iotedge"));
        _guest.ReplaceCommand("iotedge", standIn.Replace("\"list \"*)\n", "\"list \"*)\n  sleep 60\n", StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        var hung = _guest.Health(new Dictionary<string, string> { ["KVEDGE_HEALTH_BUDGET"] = "2" });
        clock.Stop();
        Assert.Equal(1, hung.ExitCode);
        Assert.Equal("failed: 'iotedge list' did not answer within the probe's 2 s\n", hung.StdOut);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void The_json_verdict_carries_every_field_the_cli_reads()
    {
        var json = JsonNode.Parse(_guest.Health("--json").StdOut)!.AsObject();
        Assert.Equal(["healthy", "state", "reason", "note", "deployment", "runtimeVersion", "provisioning", "services", "modules"], json.Select(p => p.Key));
        Assert.Equal(json.ToJsonString(), HealthReport.Parse(json.ToJsonString())!.ToJson().ToJsonString());
    }

    private (int, string) Run()
    {
        var result = _guest.Health();
        return (result.ExitCode, result.StdOut);
    }
}
