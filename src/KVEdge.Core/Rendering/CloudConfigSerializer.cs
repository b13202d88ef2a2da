using KVEdge.Core.Files;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Rendering;

/// <summary>Writes a #cloud-config document; multi-line strings become literal blocks so the user-data stays readable.</summary>
public static class CloudConfigSerializer
{
    public static string Serialize(JsonObject config) => "#cloud-config\n" + YamlWriter.Write(config);
}
