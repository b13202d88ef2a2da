using KVEdge.Core.Files;
using System.Buffers;
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
    private const int Batch = 256;

    // Relaxed escaping: the JSON is only an intermediate for YAML, and escaping '+' and '<' in every base64
    // and certificate string was a measurable share of a fleet's rendering time.
    private static readonly JsonWriterOptions IntermediateWriter = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private static readonly ManifestJsonContext Intermediate = new(new JsonSerializerOptions(ManifestJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new LongStringConverter() },
    });

    // The JSON intermediate of one object at a time, per thread: reused, so a fleet allocates it once per core.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _json;

    [ThreadStatic]
    private static Utf8JsonWriter? _jsonWriter;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _yaml;

    public static string ToYaml(IReadOnlyList<RenderedDevice> devices) => ToYaml(devices.SelectMany(d => d.Objects));

    public static string ToYaml(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (var o in objects)
        {
            AppendYaml(output, o);
        }

        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>
    /// Streams a fleet's YAML in batches of objects serialized on every core, so memory does not grow with the fleet's
    /// output and the bytes are those of a serial run. UTF-8 goes straight to a UTF-8 stream writer's stream.
    /// </summary>
    public static void WriteYaml(TextWriter writer, IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var pending = new List<IKubernetesObject<V1ObjectMeta>>(Batch);
        foreach (var o in objects)
        {
            pending.Add(o);
            if (pending.Count == Batch)
            {
                WriteBatch(writer, pending);
            }
        }

        WriteBatch(writer, pending);
    }

    private static void WriteBatch(TextWriter writer, List<IKubernetesObject<V1ObjectMeta>> pending)
    {
        // Each object's YAML is built in the thread's buffer and kept in a pooled array until it is written: a fleet's
        // output is tens of megabytes, and fresh arrays for it were a large share of its garbage collections.
        var chunks = OrderedParallel.Select(pending, o =>
        {
            var output = _yaml ??= new ArrayBufferWriter<byte>(64 * 1024);
            output.ResetWrittenCount();
            AppendYaml(output, o);
            var chunk = ArrayPool<byte>.Shared.Rent(output.WrittenCount);
            output.WrittenSpan.CopyTo(chunk);
            return (chunk, length: output.WrittenCount);
        });
        pending.Clear();
        var stream = writer is StreamWriter { Encoding: UTF8Encoding } utf8 ? utf8 : null;
        stream?.Flush();
        foreach (var (chunk, length) in chunks)
        {
            if (stream is not null)
            {
                stream.BaseStream.Write(chunk, 0, length);
            }
            else
            {
                writer.Write(Encoding.UTF8.GetString(chunk, 0, length));
            }

            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    public static void AppendYaml(ArrayBufferWriter<byte> output, IKubernetesObject<V1ObjectMeta> o)
    {
        output.Write("---\n"u8);
        var json = _json ??= new ArrayBufferWriter<byte>(64 * 1024);
        json.ResetWrittenCount();
        var writer = _jsonWriter ??= new Utf8JsonWriter(json, IntermediateWriter);
        writer.Reset(json);
        LongStrings.Begin();
        try
        {
            WriteJson(writer, o);
            writer.Flush();
            YamlWriter.Write(output, json.WrittenSpan);
        }
        finally
        {
            LongStrings.End();
        }
    }

    private static void WriteJson(Utf8JsonWriter writer, IKubernetesObject<V1ObjectMeta> o)
    {
        switch (o)
        {
            case V1Secret s:
                JsonSerializer.Serialize(writer, s, Intermediate.V1Secret);
                break;
            case V1Service s:
                JsonSerializer.Serialize(writer, s, Intermediate.V1Service);
                break;
            case V1ConfigMap m:
                JsonSerializer.Serialize(writer, m, Intermediate.V1ConfigMap);
                break;
            case VirtualMachine vm:
                JsonSerializer.Serialize(writer, vm, Intermediate.VirtualMachine);
                break;
            case DataVolume dv:
                JsonSerializer.Serialize(writer, dv, Intermediate.DataVolume);
                break;
            default:
                writer.WriteRawValue(Encoding.UTF8.GetBytes(KubernetesJson.Serialize(o)), skipInputValidation: true);
                break;
        }
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
}
