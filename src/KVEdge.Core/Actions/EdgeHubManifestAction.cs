using System.Text.Json;
using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// `kvedge edgehub-manifest`: the deployment-manifest fragment (edgeAgent/edgeHub StorageFolder and Binds) that keeps
/// their state, EdgeHub's queue among it, on the data disk.
/// </summary>
public static class EdgeHubManifestAction
{
    public const string Hint = "merge this into the systemModules of your deployment manifest (az iot edge set-modules), keeping the images you deploy";

    public static string Run(EdgeDevice device) => EdgeHubManifest.Render(device).ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
