using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Rendering.IotEdge;

/// <summary>
/// A fleet's base deployment in IoT Hub: an automatic deployment (configuration) holding edgeAgent and edgeHub, edgeHub's
/// store bound to the data disk (<see cref="EdgeHubManifest"/>), no user modules and no routes: those come in layered
/// deployments of a higher priority (learn iot-edge module-deployment-monitoring, layered deployments). A deployment's
/// content cannot change (learn configuration; the CLI's help), so its id carries a hash of the content: a change of
/// pins makes a new deployment, and each device's twin tag names the one it is on, so a rollout moves devices one by
/// one. Same spec, same bytes, same id.
/// </summary>
public static class BaseDeployment
{
    /// <summary>The twin tag (tags.kvedge) kvedge sets and the deployments target.</summary>
    public const string TagName = "kvedge";

    /// <summary>$edgeAgent's schemaVersion: major 1 and at most 1.1, or the agent reports 412 (Azure/iotedge EdgeAgentConnection.cs).</summary>
    public const string AgentSchemaVersion = "1.1";

    /// <summary>$edgeHub's schemaVersion: 1.0 to 1.3 (Azure/iotedge EdgeHubConfigParser.cs).</summary>
    public const string HubSchemaVersion = "1.2";

    /// <summary>How long edgeHub keeps messages it cannot send (the runtime's default, 2 hours).</summary>
    public const int StoreTimeToLiveSeconds = 7200;

    public static string Fleet(EdgeDevice device, string defaultNamespace) =>
        device.Spec.IotEdge?.Registration?.BaseDeployment.Fleet ?? device.Metadata.Namespace ?? defaultNamespace;

    /// <summary>The modulesContent: $edgeAgent (runtime and system modules) and $edgeHub (no routes), both in full.</summary>
    public static JsonObject ModulesContent(EdgeDevice device)
    {
        var fragment = EdgeHubManifest.Render(device)["modulesContent"]!["$edgeAgent"]!["properties.desired"]!["systemModules"]!.DeepClone();
        return new JsonObject
        {
            ["$edgeAgent"] = new JsonObject
            {
                ["properties.desired"] = new JsonObject
                {
                    ["schemaVersion"] = AgentSchemaVersion,
                    ["runtime"] = new JsonObject { ["type"] = "docker", ["settings"] = new JsonObject { ["minDockerVersion"] = "v1.25" } },
                    ["systemModules"] = fragment,
                    ["modules"] = new JsonObject(),
                },
            },
            ["$edgeHub"] = new JsonObject
            {
                ["properties.desired"] = new JsonObject
                {
                    ["schemaVersion"] = HubSchemaVersion,
                    ["routes"] = new JsonObject(),
                    ["storeAndForwardConfiguration"] = new JsonObject { ["timeToLiveSecs"] = StoreTimeToLiveSeconds },
                },
            },
        };
    }

    /// <summary>The first 10 hex digits of the content's SHA-256: what the id and the device's tag carry.</summary>
    public static string ContentHash(JsonObject modulesContent) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(modulesContent.ToJsonString())))[..10];

    /// <summary>The deployment's id: lower case, as the hub requires, at most 128 characters (a fleet is at most 63).</summary>
    public static string Id(string fleet, string hash) => $"kvedge-base-{fleet}-{hash}";

    /// <summary>The tags the device carries: its fleet and the hash of the content its spec renders.</summary>
    public static JsonObject Tags(EdgeDevice device, string defaultNamespace) => Tags(Fleet(device, defaultNamespace), ContentHash(ModulesContent(device)));

    /// <summary>The tags a device of this fleet and content carries: {"kvedge": {"fleet": F, "base": H}}.</summary>
    public static JsonObject Tags(string fleet, string hash) => new() { [TagName] = new JsonObject { ["fleet"] = fleet, ["base"] = hash } };

    /// <summary>
    /// The configuration to PUT. Its targetCondition names the fleet and the content; the fleet and the hash are
    /// DNS-1123 labels and hex (validated), so no quote can reach the condition.
    /// </summary>
    public static JsonObject Configuration(EdgeDevice device, string defaultNamespace)
    {
        var fleet = Fleet(device, defaultNamespace);
        var content = ModulesContent(device);
        var hash = ContentHash(content);
        return new JsonObject
        {
            ["id"] = Id(fleet, hash),
            ["schemaVersion"] = "2.0",
            ["labels"] = new JsonObject { ["managed-by"] = "kvedge", ["kvedge-fleet"] = fleet },
            ["content"] = new JsonObject { ["modulesContent"] = content },
            ["targetCondition"] = $"tags.{TagName}.fleet='{fleet}' and tags.{TagName}.base='{hash}'",
            ["priority"] = device.Spec.IotEdge!.Registration!.BaseDeployment.Priority,
        };
    }
}
