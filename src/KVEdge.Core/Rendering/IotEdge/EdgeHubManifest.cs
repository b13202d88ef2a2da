using System.Text.Json;
using System.Text.Json.Nodes;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Rendering.IotEdge;

/// <summary>
/// The deployment-manifest fragment that keeps edgeAgent's and edgeHub's state on the data disk. config.toml only seeds
/// the first edgeAgent; edgeHub's storage is set in the manifest alone, and a StorageFolder that is missing or not
/// bound to the host silently falls back to /tmp inside the container, which is lost whenever the container is re-created.
/// </summary>
public static class EdgeHubManifest
{
    public const string StorageFolder = ConfigTomlRenderer.AgentStorageFolder;

    public static JsonObject Render(EdgeDevice device)
    {
        var iot = device.Spec.IotEdge ?? throw new ArgumentException("device has no spec.iotEdge", nameof(device));
        var mount = device.Spec.DataDisk.MountPath;
        var tag = ProvisioningModes.AgentImage(iot);
        // A mirrored agent image implies the hub from the same mirror; otherwise Microsoft's hub of the same release.
        var hubImage = tag.Contains("azureiotedge-agent", StringComparison.Ordinal)
            ? tag.Replace("azureiotedge-agent", "azureiotedge-hub", StringComparison.Ordinal)
            : ProvisioningModes.AgentImage(new IotEdgeSpec { Version = iot.Version }).Replace("azureiotedge-agent", "azureiotedge-hub", StringComparison.Ordinal);

        var agentCreate = new JsonObject { ["HostConfig"] = new JsonObject { ["Binds"] = new JsonArray($"{mount}/edgeAgent:{StorageFolder}") } };
        var hubCreate = new JsonObject
        {
            ["HostConfig"] = new JsonObject
            {
                ["Binds"] = new JsonArray($"{mount}/edgeHub:{StorageFolder}"),
                ["PortBindings"] = new JsonObject
                {
                    ["443/tcp"] = HostPort("443"),
                    ["5671/tcp"] = HostPort("5671"),
                    ["8883/tcp"] = HostPort("8883"),
                },
            },
        };

        return new JsonObject
        {
            ["modulesContent"] = new JsonObject
            {
                ["$edgeAgent"] = new JsonObject
                {
                    ["properties.desired"] = new JsonObject
                    {
                        ["systemModules"] = new JsonObject
                        {
                            ["edgeAgent"] = new JsonObject
                            {
                                ["type"] = "docker",
                                ["env"] = Env(iot),
                                ["settings"] = new JsonObject { ["image"] = tag, ["createOptions"] = Compact(agentCreate) },
                            },
                            ["edgeHub"] = new JsonObject
                            {
                                ["type"] = "docker",
                                ["status"] = "running",
                                ["restartPolicy"] = "always",
                                ["env"] = Env(iot),
                                ["settings"] = new JsonObject { ["image"] = hubImage, ["createOptions"] = Compact(hubCreate) },
                            },
                        },
                    },
                },
            },
        };
    }

    private static JsonObject Env(IotEdgeSpec iot)
    {
        var env = new JsonObject { ["StorageFolder"] = new JsonObject { ["value"] = StorageFolder } };
        if (iot.Proxy?.HttpsProxy is { } proxy)
        {
            env["https_proxy"] = new JsonObject { ["value"] = proxy };
        }

        return env;
    }

    private static JsonArray HostPort(string port) => new(new JsonObject { ["HostPort"] = port });

    // createOptions is a JSON string in the manifest; edgeAgent reads at most 512 characters per twin value.
    private static string Compact(JsonObject o) => o.ToJsonString(CompactOptions);

    private static readonly JsonSerializerOptions CompactOptions = new() { WriteIndented = false };
}
