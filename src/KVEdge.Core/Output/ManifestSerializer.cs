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

    /// <summary>Streams a fleet's YAML object by object, so memory does not grow with the fleet's output.</summary>
    public static void WriteYaml(TextWriter writer, IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var sb = new StringBuilder();
        foreach (var o in objects)
        {
            sb.Clear();
            AppendYaml(sb, o);
            writer.Write(sb);
        }
    }

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

    // Relaxed escaping: the JSON is only an intermediate for YAML, and escaping '+' and '<' in every base64
    // and certificate string was a measurable share of a fleet's rendering time.
    private static readonly ManifestJsonContext Relaxed = new(new JsonSerializerOptions(ManifestJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static byte[] ToUtf8Json(IKubernetesObject<V1ObjectMeta> o) => o switch
    {
        V1Secret s => JsonSerializer.SerializeToUtf8Bytes(s, Relaxed.V1Secret),
        V1Service s => JsonSerializer.SerializeToUtf8Bytes(s, Relaxed.V1Service),
        V1ConfigMap m => JsonSerializer.SerializeToUtf8Bytes(m, Relaxed.V1ConfigMap),
        VirtualMachine vm => JsonSerializer.SerializeToUtf8Bytes(vm, Relaxed.VirtualMachine),
        DataVolume dv => JsonSerializer.SerializeToUtf8Bytes(dv, Relaxed.DataVolume),
        _ => System.Text.Encoding.UTF8.GetBytes(KubernetesJson.Serialize(o)),
    };
}
