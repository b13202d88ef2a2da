using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using KVEdge.Core.Kubernetes;
using KVEdge.Core.Rendering;

namespace KVEdge.Core.Output;

/// <summary>YAML (documents separated by ---) or JSON (one v1 List), as kubectl prints them.</summary>
public static class ManifestSerializer
{
    public static string ToYaml(IReadOnlyList<RenderedDevice> devices) => ToYaml(devices.SelectMany(d => d.Objects));

    public static string ToYaml(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var sb = new StringBuilder();
        foreach (var o in objects)
        {
            AppendYaml(sb, o);
        }

        return sb.ToString();
    }

    public static void AppendYaml(StringBuilder sb, IKubernetesObject<V1ObjectMeta> o)
    {
        sb.Append("---\n");
        YamlWriter.Write(sb, ToUtf8Json(o));
    }

    public static string ToJsonList(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var items = new JsonArray();
        foreach (var o in objects)
        {
            items.Add(ToJsonNode(o));
        }

        var list = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "List",
            ["items"] = items,
            ["metadata"] = new JsonObject(),
        };
        return list.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    public static JsonNode ToJsonNode(IKubernetesObject<V1ObjectMeta> o) => o switch
    {
        V1Secret s => JsonSerializer.SerializeToNode(s, ManifestJsonContext.Default.V1Secret)!,
        V1Service s => JsonSerializer.SerializeToNode(s, ManifestJsonContext.Default.V1Service)!,
        V1ConfigMap m => JsonSerializer.SerializeToNode(m, ManifestJsonContext.Default.V1ConfigMap)!,
        VirtualMachine vm => JsonSerializer.SerializeToNode(vm, ManifestJsonContext.Default.VirtualMachine)!,
        DataVolume dv => JsonSerializer.SerializeToNode(dv, ManifestJsonContext.Default.DataVolume)!,
        _ => JsonNode.Parse(KubernetesJson.Serialize(o))!,
    };

    public static byte[] ToUtf8Json(IKubernetesObject<V1ObjectMeta> o) => o switch
    {
        V1Secret s => JsonSerializer.SerializeToUtf8Bytes(s, ManifestJsonContext.Default.V1Secret),
        V1Service s => JsonSerializer.SerializeToUtf8Bytes(s, ManifestJsonContext.Default.V1Service),
        V1ConfigMap m => JsonSerializer.SerializeToUtf8Bytes(m, ManifestJsonContext.Default.V1ConfigMap),
        VirtualMachine vm => JsonSerializer.SerializeToUtf8Bytes(vm, ManifestJsonContext.Default.VirtualMachine),
        DataVolume dv => JsonSerializer.SerializeToUtf8Bytes(dv, ManifestJsonContext.Default.DataVolume),
        _ => System.Text.Encoding.UTF8.GetBytes(KubernetesJson.Serialize(o)),
    };
}
