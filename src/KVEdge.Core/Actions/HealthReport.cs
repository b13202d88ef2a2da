using System.Text.Json;
using System.Text.Json.Nodes;
using KVEdge.Core.Diagnostics;

namespace KVEdge.Core.Actions;

/// <summary>
/// The guest health program's verdict (`kvedge-health --json`, files/guest/kvedge-health.sh): healthy (with a note
/// while no IoT Hub deployment has reached the device), or converging / failed with one reason, and what it saw: the
/// runtime version, provisioning, whether a deployment has arrived, each aziot service and each module.
/// </summary>
public sealed record HealthReport(bool Healthy, string State, string Reason, string RuntimeVersion, string Provisioning,
    IReadOnlyList<KeyValuePair<string, string>> Services, IReadOnlyList<KeyValuePair<string, string>> Modules)
{
    /// <summary>The program's "deployment" when edgeHub is not there yet: edgeAgent runs alone and reports 417.</summary>
    public const string NoDeployment = "none";

    /// <summary>What a healthy verdict adds: why edgeHub is not running yet (no deployment), or empty.</summary>
    public string Note { get; init; } = "";

    /// <summary>"none" (edgeAgent alone, waiting for the device's IoT Hub deployment), "received", or "unknown".</summary>
    public string Deployment { get; init; } = "";

    /// <summary>The short form for a status column: "healthy, no deployment yet" rather than the whole note.</summary>
    public string Brief => Healthy && Deployment == NoDeployment ? "healthy, no deployment yet" : Summary;

    /// <summary>More than the program ever prints (five services, a few dozen modules): anything longer is not it.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>"healthy" ("healthy, NOTE"), or "converging: WHY" / "failed: WHY", as the program's own one-line form.</summary>
    public string Summary => Healthy ? (Note.Length == 0 ? "healthy" : $"healthy, {Note}") : Reason.Length == 0 ? State : $"{State}: {Reason}";

    /// <summary>Reads the program's output; null when it is not the program's JSON (it is not installed, or sudo refused).</summary>
    public static HealthReport? Parse(string output)
    {
        if (output.Length > MaxLength)
        {
            return null;
        }

        JsonObject? json;
        try
        {
            json = JsonNode.Parse(output.Trim()) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }

        if (json?["healthy"] is not JsonValue healthy || healthy.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False) || Text(json, "state") is not { } state)
        {
            return null;
        }

        return new HealthReport(
            healthy.GetValue<bool>(),
            state,
            Text(json, "reason") ?? "",
            Text(json, "runtimeVersion") ?? "",
            Text(json, "provisioning") ?? "",
            (json["services"] as JsonObject ?? []).Select(p => KeyValuePair.Create(Clean(p.Key), Clean(p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : ""))).ToList(),
            (json["modules"] as JsonArray ?? []).OfType<JsonObject>().Select(m => KeyValuePair.Create(Text(m, "name") ?? "", Text(m, "status") ?? "")).ToList())
        {
            Note = Text(json, "note") ?? "",
            Deployment = Text(json, "deployment") ?? "",
        };
    }

    /// <summary>The report as JSON, in the program's field order (for -o json|yaml).</summary>
    public JsonObject ToJson() => new()
    {
        ["healthy"] = Healthy,
        ["state"] = State,
        ["reason"] = Reason,
        ["note"] = Note,
        ["deployment"] = Deployment,
        ["runtimeVersion"] = RuntimeVersion,
        ["provisioning"] = Provisioning,
        ["services"] = new JsonObject(Services.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)JsonValue.Create(s.Value)))),
        ["modules"] = new JsonArray([.. Modules.Select(m => (JsonNode)new JsonObject { ["name"] = m.Key, ["status"] = m.Value })]),
    };

    private static string? Text(JsonObject json, string name) =>
        json[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? Clean(v.GetValue<string>()) : null;

    // The guest is not trusted with the terminal: its words are shown escaped and bounded, as input is.
    private static string Clean(string value) => DisplayText.Escape(value.Length > 200 ? value[..200] : value);
}
