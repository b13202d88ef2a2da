using System.Text.Json.Nodes;

namespace KVEdge.Core.Spec;

/// <summary>
/// What an EdgeDevice's status holds, written by the operator (never read from input): kstatus's conditions (Ready,
/// Reconciling, Stalled) with the generation they describe, and the device as `kvedge status` shows it. The CRD's status
/// schema is generated from this type (<see cref="EdgeDeviceCrd"/>), so the two cannot drift.
/// </summary>
public sealed class EdgeDeviceStatus
{
    /// <summary>The metadata.generation this status describes: kstatus and `kubectl wait` read a status older than the
    /// spec as in progress (cli-utils v0.37.2 pkg/kstatus/status/status.go).</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>Ready, Reconciling, Stalled, as metav1.Condition (apimachinery v0.36.3 pkg/apis/meta/v1/types.go).</summary>
    public IList<EdgeDeviceCondition> Conditions { get; set; } = [];

    /// <summary>Where the device is on its way to Ready: Importing, Starting, Agent, Healthy, Ready, Failed, Stopped.</summary>
    public string? Stage { get; set; }

    /// <summary>The VirtualMachine's printableStatus (Running, Stopped, Provisioning, ...).</summary>
    public string? Vm { get; set; }

    /// <summary>IoT Edge's health as Kubernetes sees it: the VMI's Ready condition, which the guest's health program holds.</summary>
    public string? IotEdge { get; set; }

    /// <summary>The IoT Edge version the device is pinned to (spec.iotEdge.version as last applied).</summary>
    public string? IotEdgeVersion { get; set; }

    public string? Node { get; set; }

    public string? Ip { get; set; }

    /// <summary>The root disk's import, as CDI reports it (phase and progress).</summary>
    public string? Import { get; set; }

    /// <summary>How to reach the guest's SSH from outside the cluster, when the device exposes it.</summary>
    public string? Ssh { get; set; }

    /// <summary>
    /// The metadata.generation whose spec.iotEdge.registration was last made so in IoT Hub or DPS: the services are asked
    /// again only for a newer generation (or when the device's key is missing), not at every resync, as their registry
    /// operations are throttled per unit.
    /// </summary>
    public long? RegisteredGeneration { get; set; }

    /// <summary>As the CR's status holds it: camelCase, unset fields left out, conditions in their order.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        if (ObservedGeneration is { } generation)
        {
            json["observedGeneration"] = generation;
        }

        json["conditions"] = new JsonArray([.. Conditions.Select(c =>
        {
            var condition = new JsonObject { ["type"] = c.Type, ["status"] = c.Status };
            if (c.ObservedGeneration is { } g)
            {
                condition["observedGeneration"] = g;
            }

            condition["lastTransitionTime"] = c.LastTransitionTime;
            condition["reason"] = c.Reason;
            condition["message"] = c.Message;
            return (JsonNode)condition;
        })]);
        foreach (var (name, value) in new[] { ("stage", Stage), ("vm", Vm), ("iotEdge", IotEdge), ("iotEdgeVersion", IotEdgeVersion), ("node", Node), ("ip", Ip), ("import", Import), ("ssh", Ssh) })
        {
            if (value is not null)
            {
                json[name] = value;
            }
        }

        if (RegisteredGeneration is { } registered)
        {
            json["registeredGeneration"] = registered;
        }

        return json;
    }

    /// <summary>The generation a stored status says was registered, or null.</summary>
    public static long? RegisteredGenerationOf(JsonNode? status) =>
        status?["registeredGeneration"] is JsonValue v && v.TryGetValue<long>(out var g) ? g : null;

    /// <summary>The conditions a stored status holds (for their lastTransitionTime); none when it has none.</summary>
    public static IList<EdgeDeviceCondition> ConditionsOf(JsonNode? status) =>
        status?["conditions"] is JsonArray conditions
            ? [.. conditions.OfType<JsonObject>().Select(c => new EdgeDeviceCondition
            {
                Type = c["type"]?.GetValue<string>() ?? "",
                Status = c["status"]?.GetValue<string>() ?? "Unknown",
                ObservedGeneration = c["observedGeneration"]?.GetValue<long>(),
                LastTransitionTime = c["lastTransitionTime"]?.GetValue<string>() ?? "",
                Reason = c["reason"]?.GetValue<string>() ?? "",
                Message = c["message"]?.GetValue<string>() ?? "",
            })]
            : [];
}
