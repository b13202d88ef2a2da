using System.Text.Json.Nodes;
using KVEdge.Core.Actions;

namespace KVEdge.Core.Tests.Actions;

/// <summary>A DataVolume's status as CDI v1.66 writes it, read into what a user is shown.</summary>
public class ImportStateTests
{
    private static JsonObject Status(string phase, string progress, int restarts = 0, string? runningStatus = null, string? reason = null, string? message = null)
    {
        var status = new JsonObject { ["phase"] = phase, ["progress"] = progress };
        if (restarts > 0)
        {
            status["restartCount"] = restarts;
        }

        if (runningStatus is not null)
        {
            status["conditions"] = new JsonArray(new JsonObject { ["type"] = "Running", ["status"] = runningStatus, ["reason"] = reason, ["message"] = message });
        }

        return status;
    }

    [Fact]
    public void Progress_and_phase_as_CDI_reports_them()
    {
        Assert.Equal("ImportInProgress 45.50%", ImportState.Describe(Status("ImportInProgress", "45.50%", runningStatus: "True", reason: "Pod is running")));
        Assert.Equal("ImportScheduled N/A", ImportState.Describe(Status("ImportScheduled", "N/A", runningStatus: "False", reason: "Pending")));
        Assert.Equal("Succeeded 100.0%", ImportState.Describe(Status("Succeeded", "100.0%", runningStatus: "False", reason: "Completed")));
        Assert.Equal("Pending", ImportState.Describe(null));
    }

    [Fact]
    public void A_failing_importer_is_shown_with_its_restarts_and_message()
    {
        var status = Status("ImportInProgress", "N/A", restarts: 3, runningStatus: "False", reason: "Error", message: "expected status code 200, got 404");
        Assert.True(ImportState.IsFailing(status));
        Assert.Equal("N/A, retrying (3 restarts): expected status code 200, got 404", ImportState.Progress(status));
        Assert.Equal("ImportInProgress N/A, retrying (1 restart): CrashLoopBackOff",
            ImportState.Describe(Status("ImportInProgress", "N/A", restarts: 1, runningStatus: "False", reason: "CrashLoopBackOff")));
    }

    [Fact]
    public void The_importers_message_is_escaped_and_bounded()
    {
        var status = Status("ImportInProgress", "N/A", restarts: 2, runningStatus: "False", reason: "Error", message: "bad\u001b[2J" + new string('x', 1000));
        var shown = ImportState.Progress(status);
        Assert.DoesNotContain('\u001b', shown);
        Assert.StartsWith("N/A, retrying (2 restarts): bad\\x1b[2J", shown, StringComparison.Ordinal);
        Assert.EndsWith("...", shown, StringComparison.Ordinal);
        Assert.True(shown.Length < 260, shown);
    }
}
