using System.Globalization;
using System.Text.Json.Nodes;
using KVEdge.Core.Diagnostics;

namespace KVEdge.Core.Actions;

/// <summary>
/// What a DataVolume's import is doing, as CDI v1.66 reports it (kubevirt/containerized-data-importer release-v1.66
/// pkg/controller/datavolume/import-controller.go and controller-base.go): a failed importer pod does not make the
/// DataVolume Failed (only AnnImportFatalError does); CDI keeps its phase ("to allow retries"), sets the Running
/// condition False with reason Error and the importer's message, and raises status.restartCount at each restart. So a
/// wrong URL or a registry out of reach shows only here, never as a phase.
/// </summary>
public static class ImportState
{
    private const int MaxMessage = 200;

    /// <summary>"45.50%", or while the importer keeps failing, "N/A, retrying (3 restarts): MESSAGE".</summary>
    public static string Progress(JsonNode? status)
    {
        var progress = status?["progress"]?.GetValue<string>() ?? "N/A";
        if (Failing(status) is not { } message)
        {
            return progress;
        }

        var restarts = status?["restartCount"]?.GetValue<int>() ?? 0;
        var count = restarts == 1 ? "1 restart" : $"{restarts.ToString(CultureInfo.InvariantCulture)} restarts";
        var text = DisplayText.Escape(message);
        return $"{progress}, retrying ({count}): {(text.Length <= MaxMessage ? text : text[..(MaxMessage - 3)] + "...")}";
    }

    /// <summary>Whether the importer keeps failing (CDI retries it; the DataVolume is not Failed).</summary>
    public static bool IsFailing(JsonNode? status) => Failing(status) is not null;

    /// <summary>The phase and <see cref="Progress"/>: "ImportInProgress 45.50%", "Pending" before CDI has a status.</summary>
    public static string Describe(JsonNode? status) =>
        status?["phase"]?.GetValue<string>() is "WaitForFirstConsumer" or "PendingPopulation"
            ? $"{status["phase"]} (WaitForFirstConsumer storage: the volume binds once the VM's pod is scheduled)"
            : status is null ? "Pending" : $"{status["phase"]?.GetValue<string>() ?? "Pending"} {Progress(status)}".Trim();

    // Running=False with a reason that is a failure (Error, or the importer pod's own waiting reason such as
    // CrashLoopBackOff or ImagePullBackOff); Pending and Completed are not.
    private static string? Failing(JsonNode? status)
    {
        var running = status?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Running");
        if (running?["status"]?.GetValue<string>() != "False")
        {
            return null;
        }

        var reason = running["reason"]?.GetValue<string>() ?? "";
        return reason is "" or "Pending" or "Completed" ? null : running["message"]?.GetValue<string>() is { Length: > 0 } message ? message : reason;
    }
}
