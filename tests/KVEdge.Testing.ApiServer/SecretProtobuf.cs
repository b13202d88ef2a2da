using System.Text;
using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// Reads a core/v1 Secret sent as Kubernetes protobuf, the one protobuf body a kvedge test meets: helm's default release
/// storage (HELM_DRIVER=secret) writes its release Secret that way. The wire format: the "k8s\0" magic, then a
/// runtime.Unknown {typeMeta=1 {apiVersion=1, kind=2}, raw=2, contentEncoding=3, contentType=4} whose raw bytes are the
/// Secret {metadata=1, data=2 (map string→bytes), type=3, stringData=4, immutable=5}
/// (kubernetes/apimachinery pkg/runtime/serializer/protobuf/protobuf.go; k8s.io/api core/v1/generated.proto;
/// apimachinery pkg/apis/meta/v1/generated.proto for ObjectMeta). Other kinds in protobuf get 415.
/// </summary>
public static class SecretProtobuf
{
    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static bool IsEnvelope(byte[] body) => body.AsSpan().StartsWith(Magic);

    /// <summary>The Secret as JSON, or null when the envelope holds another kind.</summary>
    public static JsonObject? Decode(byte[] body)
    {
        var unknown = Fields(body.AsMemory(Magic.Length));
        var typeMeta = Fields(unknown.Single(f => f.Number == 1).Bytes);
        var apiVersion = Text(typeMeta.FirstOrDefault(f => f.Number == 1).Bytes);
        var kind = Text(typeMeta.FirstOrDefault(f => f.Number == 2).Bytes);
        if (apiVersion != "v1" || kind != "Secret")
        {
            return null;
        }

        var secret = Fields(unknown.Single(f => f.Number == 2).Bytes);
        var result = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret" };
        var data = new JsonObject();
        var stringData = new JsonObject();
        foreach (var f in secret)
        {
            switch (f.Number)
            {
                case 1:
                    result["metadata"] = Metadata(f.Bytes);
                    break;
                case 2:
                    var (key, value) = Entry(f.Bytes);
                    data[Text(key)] = Convert.ToBase64String(value.Span);
                    break;
                case 3:
                    result["type"] = Text(f.Bytes);
                    break;
                case 4:
                    var (sk, sv) = Entry(f.Bytes);
                    stringData[Text(sk)] = Text(sv);
                    break;
                case 5:
                    result["immutable"] = f.Varint != 0;
                    break;
            }
        }

        if (data.Count > 0)
        {
            result["data"] = data;
        }

        if (stringData.Count > 0)
        {
            result["stringData"] = stringData;
        }

        return result;
    }

    // ObjectMeta: name=1, generateName=2, namespace=3, uid=5, resourceVersion=6, labels=11, annotations=12,
    // finalizers=14. Timestamps and managedFields are the server's own and are left out.
    private static JsonObject Metadata(ReadOnlyMemory<byte> bytes)
    {
        var metadata = new JsonObject();
        var labels = new JsonObject();
        var annotations = new JsonObject();
        var finalizers = new JsonArray();
        foreach (var f in Fields(bytes))
        {
            switch (f.Number)
            {
                case 1: metadata["name"] = Text(f.Bytes); break;
                case 2: metadata["generateName"] = Text(f.Bytes); break;
                case 3: metadata["namespace"] = Text(f.Bytes); break;
                case 6: metadata["resourceVersion"] = Text(f.Bytes); break;
                case 11: var (lk, lv) = Entry(f.Bytes); labels[Text(lk)] = Text(lv); break;
                case 12: var (ak, av) = Entry(f.Bytes); annotations[Text(ak)] = Text(av); break;
                case 14: finalizers.Add(Text(f.Bytes)); break;
            }
        }

        if (labels.Count > 0)
        {
            metadata["labels"] = labels;
        }

        if (annotations.Count > 0)
        {
            metadata["annotations"] = annotations;
        }

        if (finalizers.Count > 0)
        {
            metadata["finalizers"] = finalizers;
        }

        // gogo-protobuf writes empty strings too; JSON leaves them out.
        foreach (var (key, _) in metadata.Where(kv => kv.Value is JsonValue v && v.TryGetValue<string>(out var text) && text.Length == 0).ToList())
        {
            metadata.Remove(key);
        }

        return metadata;
    }

    private readonly record struct Field(int Number, ulong Varint, ReadOnlyMemory<byte> Bytes);

    private static (ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value) Entry(ReadOnlyMemory<byte> bytes)
    {
        var fields = Fields(bytes);
        return (fields.FirstOrDefault(f => f.Number == 1).Bytes, fields.FirstOrDefault(f => f.Number == 2).Bytes);
    }

    private static List<Field> Fields(ReadOnlyMemory<byte> bytes)
    {
        var fields = new List<Field>();
        var span = bytes.Span;
        var at = 0;
        while (at < span.Length)
        {
            var tag = ReadVarint(span, ref at);
            var (number, wire) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wire)
            {
                case 0:
                    fields.Add(new Field(number, ReadVarint(span, ref at), default));
                    break;
                case 2:
                    var length = (int)ReadVarint(span, ref at);
                    fields.Add(new Field(number, 0, bytes.Slice(at, length)));
                    at += length;
                    break;
                case 1:
                    at += 8;
                    break;
                case 5:
                    at += 4;
                    break;
                default:
                    throw ApiError.BadRequest($"the protobuf body has an unsupported wire type {wire}");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = span[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    private static string Text(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);
}
