using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

/// <summary>
/// What a controller's caches keep of an object (an <see cref="Informer.Transform"/>): its own compact JSON, made
/// smaller (a fleet's configuration ConfigMaps alone are tens of megabytes), as controllers
/// do with client-go's SetTransform (controller-runtime v0.24.1 pkg/cache: TransformStripManagedFields):
/// managedFields are dropped but for one field manager's entries (the reconciler reads its own ownership), and, where
/// asked, a long string value is kept as its digest (<see cref="Digest"/>), which <see cref="AppliedHash.IsSubset"/>
/// compares a rendered value against. A cache transformed so must not be read for such a value itself. What it returns
/// is the object's own compact JSON (<see cref="Freeze"/>).
/// </summary>
public static class CacheTransform
{
    /// <summary>Strings at least this long are kept as their digest.</summary>
    public const int DigestFrom = 256;

    // A control character no value kvedge renders starts with, so a digest never passes for a value.
    private const string DigestPrefix = "\u0001sha256:";

    /// <summary>Drops managedFields but for <paramref name="keepManager"/>'s; with <paramref name="digestLongStrings"/>, long strings become digests.</summary>
    public static Func<JsonElement, JsonElement> Compact(string? keepManager, bool digestLongStrings) => item =>
        // Rewritten token by token from the object's JSON rather than through nodes: an object read from a list has
        // not made its nodes, and making them for every object of a fleet is what this is meant to save.
        Written(writer => Write(writer, item, keepManager, digestLongStrings, depth: 0, inMetadata: false));

    /// <summary>The object as it is: what an informer keeps when nothing is to be dropped (its JSON is already its own).</summary>
    public static JsonElement Freeze(JsonElement item) => item;

    /// <summary>A JsonObject (a watch event's object) as its own JSON, as a list's items come.</summary>
    public static JsonElement ToElement(JsonObject obj) => Written(writer => obj.WriteTo(writer));

    // What a writer wrote, as a JsonElement over its own exact copy (ParseValue copies): nothing pooled is held.
    private static JsonElement Written(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref reader);
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element, string? keepManager, bool digest, int depth, bool inMetadata)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    if (inMetadata && property.NameEquals("managedFields"))
                    {
                        var kept = property.Value.ValueKind == JsonValueKind.Array
                            ? property.Value.EnumerateArray().Where(e => keepManager is not null && e.ValueKind == JsonValueKind.Object
                                && e.TryGetProperty("manager", out var m) && m.ValueKind == JsonValueKind.String && m.ValueEquals(keepManager)).ToList()
                            : [];
                        if (kept.Count > 0)
                        {
                            writer.WritePropertyName(property.Name);
                            writer.WriteStartArray();
                            foreach (var entry in kept)
                            {
                                entry.WriteTo(writer);
                            }

                            writer.WriteEndArray();
                        }

                        continue;
                    }

                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value, keepManager, digest, depth + 1, inMetadata: depth == 0 && property.NameEquals("metadata"));
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item, keepManager, digest, depth + 1, inMetadata: false);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String when digest && element.GetString() is { Length: >= DigestFrom } s:
                writer.WriteStringValue(Digest(s));
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>The digest a long string is cached as.</summary>
    public static string Digest(string value) =>
        DigestPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>Whether <paramref name="cached"/> is the digest <see cref="Compact"/> kept of <paramref name="value"/>.</summary>
    public static bool IsDigestOf(string cached, string value) =>
        cached.StartsWith(DigestPrefix, StringComparison.Ordinal) && value.Length >= DigestFrom && Digest(value) == cached;
}
