using System.Text.Json.Nodes;
using KVEdge.Core.Actions;

namespace KVEdge.Core.Tests.Actions;

/// <summary>
/// A device's readiness from its objects alone, as KubeVirt v1.9 and CDI v1.66 leave them at each step of a first boot:
/// one answer for --wait, status and the operator, with a CamelCase reason.
/// </summary>
public sealed class DeviceReadinessTests
{
    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonObject Vm(string runStrategy = "Always", bool ready = false) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "edge-01" },
        ["spec"] = new JsonObject { ["runStrategy"] = runStrategy },
        ["status"] = new JsonObject { ["ready"] = ready },
    };

    private static JsonObject Vmi(string phase, params string[] trueConditions) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "edge-01", ["uid"] = "u-1" },
        ["spec"] = new JsonObject { ["readinessProbe"] = new JsonObject() },
        ["status"] = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = new JsonArray([.. trueConditions.Select(type => (JsonNode)new JsonObject { ["type"] = type, ["status"] = "True" })]),
        },
    };

    // A DataVolume in a phase, with more of CDI's status given as JSON members (",\"progress\":\"45.00%\"").
    private static JsonObject Dv(string name, string phase, string extra = "")
    {
        var status = Obj("{\"phase\":\"" + phase + "\"" + extra + "}");
        return new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["status"] = status };
    }

    private static readonly JsonObject[] Imported = [Dv("edge-01-data", "Succeeded"), Dv("edge-01-root", "Succeeded")];

    [Fact]
    public void Each_step_of_a_first_boot_has_its_stage_and_reason()
    {
        Assert.Equal((WaitStage.Importing, "Importing"), Pair(DeviceReadiness.Of("edge-01", Vm(), null, [Dv("edge-01-root", "ImportInProgress", ",\"progress\":\"45.00%\"")])));
        // A DataVolume not created yet counts as importing.
        Assert.Equal((WaitStage.Importing, "Importing"), Pair(DeviceReadiness.Of("edge-01", Vm(), null, [Imported[0]], expectedDataVolumes: 2)));
        Assert.Equal((WaitStage.Starting, "Starting"), Pair(DeviceReadiness.Of("edge-01", Vm(), Vmi("Scheduling"), Imported)));
        Assert.Equal((WaitStage.Agent, "WaitingForGuestAgent"), Pair(DeviceReadiness.Of("edge-01", Vm(), Vmi("Running"), Imported)));
        var probe = DeviceReadiness.Of("edge-01", Vm(), Vmi("Running", "AgentConnected"), Imported);
        Assert.Equal((WaitStage.Healthy, "HealthProbeNotPassing"), Pair(probe));
        Assert.Contains("kvedge health edge-01 says why not", probe.Message, StringComparison.Ordinal);
        Assert.Equal((WaitStage.Ready, "Ready"), Pair(DeviceReadiness.Of("edge-01", Vm(ready: true), Vmi("Running", "AgentConnected", "Ready"), Imported)));
    }

    [Fact]
    public void A_restart_waits_for_a_new_instance()
    {
        var old = Vmi("Running", "AgentConnected", "Ready");
        Assert.Equal((WaitStage.Starting, "Restarting"), Pair(DeviceReadiness.Of("edge-01", Vm(), old, Imported, replacedVmi: "u-1")));
        Assert.Equal((WaitStage.Ready, "Ready"), Pair(DeviceReadiness.Of("edge-01", Vm(), old, Imported, replacedVmi: "u-0")));
    }

    [Fact]
    public void Import_troubles_are_named_with_the_DataVolume()
    {
        // CDI v1.66 keeps the phase while the importer keeps failing: Running=False with its message and restarts.
        var failing = DeviceReadiness.Of("edge-01", Vm(), null, [Dv("edge-01-root", "ImportInProgress",
                ",\"restartCount\":3,\"conditions\":[{\"type\":\"Running\",\"status\":\"False\",\"reason\":\"Error\",\"message\":\"Unable to connect to http data source: 404\"}]")]);
        Assert.Equal((WaitStage.Importing, "ImportFailing"), Pair(failing));
        Assert.Equal("the DataVolumes to import (edge-01-root: N/A, retrying (3 restarts): Unable to connect to http data source: 404)", failing.Message);

        var waiting = DeviceReadiness.Of("edge-01", Vm(), null, [Dv("edge-01-root", "PendingPopulation")]);
        Assert.Equal((WaitStage.Importing, "WaitingForFirstConsumer"), Pair(waiting));

        var failed = DeviceReadiness.Of("edge-01", Vm(), Vmi("Running"), [Dv("edge-01-data", "Succeeded"), Dv("edge-01-root", "Failed")]);
        Assert.Equal((WaitStage.Failed, "ImportFailed"), Pair(failed));
        Assert.Equal("DataVolume edge-01-root failed to import", failed.Message);
    }

    [Theory]
    [InlineData("Halted")]
    [InlineData("Manual")]
    public void A_VM_kept_stopped_by_its_run_strategy_is_Stopped_and_names_virtctl_start(string runStrategy)
    {
        var stopped = DeviceReadiness.Of("edge-01", Vm(runStrategy), null, Imported);
        Assert.Equal((WaitStage.NotWaited, "Stopped"), Pair(stopped));
        Assert.Equal($"runStrategy {runStrategy} keeps the VM stopped until it is started (virtctl start edge-01)", stopped.Message);
        // Started by hand and Ready: it is Ready whatever its strategy.
        Assert.Equal("Ready", DeviceReadiness.Of("edge-01", Vm(runStrategy, ready: true), Vmi("Running", "AgentConnected", "Ready"), Imported).Reason);
    }

    [Fact]
    public void Every_reason_is_CamelCase()
    {
        var all = new[]
        {
            DeviceReadiness.Of("d", Vm("Halted"), null, []),
            DeviceReadiness.Of("d", null, null, [Dv("d-root", "Failed")]),
            DeviceReadiness.Of("d", null, null, [Dv("d-root", "ImportScheduled")]),
            DeviceReadiness.Of("d", null, null, []),
            DeviceReadiness.Of("d", Vm(), Vmi("Running", "AgentConnected"), []),
        };
        Assert.All(all, r => Assert.Matches("^[A-Z][A-Za-z]*\\z", r.Reason));
    }

    private static (WaitStage, string) Pair(DeviceReadiness r) => (r.Stage, r.Reason);
}
