using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KVEdge.Core.Actions;

/// <summary>
/// What a rollout records on each device's VirtualMachine, so that a rerun of the command, another operator replica
/// after a handover, or `kvedge rollout status` reads where the rollout stands: no progress is kept in a process.
/// Annotations, written by merge patch as their own field manager (kvedge's apply, which does not render them, never
/// prunes them). Every value is made by kvedge from hex digests, uids, a time and fixed words; one that does not have
/// that shape is ignored, never echoed.
/// </summary>
public static partial class RolloutMarks
{
    /// <summary>
    /// The revision of the device's guest-visible objects (<see cref="RolloutRevision"/>), stamped on the VM's template
    /// at apply: KubeVirt copies the template's metadata to every new instance (kubevirt/kubevirt v1.9.0
    /// pkg/virt-controller/watch/vm/vm.go, setupVMIFromVM), so an instance carries the revision it booted with, as a
    /// Deployment's pods carry their pod-template-hash.
    /// </summary>
    public const string Revision = "kvedge.io/revision";

    /// <summary>"ROLLOUT REVISION INSTANCE-UID TIME ready|unready": the rollout restarted that instance for that revision, then.</summary>
    public const string Restart = "kvedge.io/rollout-restart";

    /// <summary>"REVISION": the device failed with that revision, which holds its rollout halted until `kvedge rollout resume` or a new change.</summary>
    public const string Failed = "kvedge.io/rollout-failed";

    /// <summary>"true": no restart starts for this device until `kvedge rollout resume`.</summary>
    public const string Paused = "kvedge.io/rollout-paused";

    /// <summary>A restart the rollout made: for which rollout and revision, of which instance, when, and whether the device was Ready before it.</summary>
    public sealed record RestartMark(string Rollout, string Revision, string Instance, DateTimeOffset At, bool WasReady)
    {
        public override string ToString() =>
            $"{Rollout} {Revision} {Instance} {At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} {(WasReady ? "ready" : "unready")}";
    }

    /// <summary>Stamps <paramref name="revision"/> on the VM's template, for the instances KubeVirt makes from it to carry.</summary>
    public static void StampRevision(JsonObject vm, string revision)
    {
        var template = vm["spec"]!["template"]!.AsObject();
        var metadata = template["metadata"] as JsonObject ?? (JsonObject)(template["metadata"] = new JsonObject());
        var annotations = metadata["annotations"] as JsonObject ?? (JsonObject)(metadata["annotations"] = new JsonObject());
        annotations[Revision] = revision;
    }

    public static string? RevisionOf(JsonObject? vm) => Hex(vm?["spec"]?["template"]?["metadata"]?["annotations"]?[Revision]);

    /// <summary>The revision an instance booted with (null for one started before kvedge stamped revisions).</summary>
    public static string? InstanceRevisionOf(JsonObject? vmi) => Hex(vmi?["metadata"]?["annotations"]?[Revision]);

    public static RestartMark? RestartOf(JsonObject? vm)
    {
        if (Annotation(vm, Restart) is not { } text || MarkShape().Match(text) is not { Success: true } m
            || !DateTimeOffset.TryParse(m.Groups[4].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return null;
        }

        return new RestartMark(m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, at, m.Groups[5].Value == "ready");
    }

    public static string? FailedOf(JsonObject? vm) => Annotation(vm, Failed) is { } v && HexShape().IsMatch(v) ? v : null;

    public static bool IsPaused(JsonObject? vm) => Annotation(vm, Paused) == "true";

    /// <summary>A merge patch that sets (a value) or removes (null) these marks.</summary>
    public static JsonObject Patch(params (string Key, string? Value)[] marks)
    {
        var annotations = new JsonObject();
        foreach (var (key, value) in marks)
        {
            annotations[key] = value;
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } };
    }

    private static string? Annotation(JsonObject? obj, string key) =>
        obj?["metadata"]?["annotations"]?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static string? Hex(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) && HexShape().IsMatch(s) ? s : null;

    [GeneratedRegex(@"\A[0-9a-f]{16}\z")]
    private static partial Regex HexShape();

    [GeneratedRegex(@"\A([0-9a-f]{16}) ([0-9a-f]{16}) ([0-9a-f-]{1,64}) ([0-9T:.Z-]{20,30}) (ready|unready)\z")]
    private static partial Regex MarkShape();
}
