using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

/// <summary>
/// Reads a LIST answer ({"metadata":{"resourceVersion":...},"items":[...]}) from the response stream one item at a
/// time, each item handed on as its own small JSON the moment it is whole. Parsing the whole answer as one document
/// would hold all of it (a fleet's ConfigMaps alone are tens of megabytes) in buffers rented from the shared array pool
/// while it grows, and the pool keeps what it gets back; collecting every item as a tree of nodes before a cache
/// compacts them holds them all too. Here the only buffer is one item long, and an informer keeps each item in its
/// compact form before the next is read.
/// </summary>
public static class ListReader
{
    private const int InitialBuffer = 64 * 1024;

    /// <summary>The whole list, each item a JsonObject (over its own JSON, made into nodes as it is read).</summary>
    public static async Task<ObjectList> ReadAsync(Stream stream, ClusterResource resource, CancellationToken ct)
    {
        var items = new List<JsonObject>();
        var version = await ReadEachAsync(stream, resource, item => items.Add(JsonObject.Create(item)!), ct).ConfigureAwait(false);
        return new ObjectList(items, version);
    }

    /// <summary>
    /// Hands each item to <paramref name="each"/> as it is read (its own detached JSON, which the callee may keep), with
    /// the apiVersion and kind the API server leaves out of a list's items filled in; returns the list's resourceVersion.
    /// </summary>
    public static async Task<string?> ReadEachAsync(Stream stream, ClusterResource resource, Action<JsonElement> each, CancellationToken ct)
    {
        var buffer = new byte[InitialBuffer];
        int start = 0, end = 0;
        var final = false;
        var cursor = new Cursor(resource, each);
        while (true)
        {
            var consumed = Step(buffer.AsSpan(start, end - start), final, cursor);
            start += consumed;
            if (cursor.Done)
            {
                break;
            }

            if (final)
            {
                throw new JsonException("the list answer ended before its JSON did");
            }

            // Keep what is not consumed yet (a part of an item) at the front.
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            // An item is scanned from its start each time (TrySkip): read until the part waiting has doubled (or the
            // answer ends), so an item longer than one read is scanned a few times, not once per read.
            var wanted = Math.Max(2 * end, 1);
            while (end < wanted && !final)
            {
                if (end == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = await stream.ReadAsync(buffer.AsMemory(end), ct).ConfigureAwait(false);
                end += read;
                final = read == 0;
            }
        }

        return cursor.Version;
    }

    // Where the reading is between two buffers: the reader's state after the last whole token, and what was seen.
    private sealed class Cursor(ClusterResource resource, Action<JsonElement> each)
    {
        public JsonReaderState State;
        public string? Property;
        public bool InItems;
        public bool Done;
        public string? Version;
        public ClusterResource Resource { get; } = resource;
        public Action<JsonElement> Each { get; } = each;
    }

    // Reads the whole tokens and values in data; returns how many bytes it consumed. An item or the list's metadata is
    // taken only whole (TrySkip), else left for the next round with more data.
    private static int Step(ReadOnlySpan<byte> data, bool final, Cursor cursor)
    {
        var reader = new Utf8JsonReader(data, final, cursor.State);
        while (true)
        {
            var before = reader.CurrentState;
            var consumed = (int)reader.BytesConsumed;
            if (!reader.Read())
            {
                cursor.State = reader.CurrentState;
                return (int)reader.BytesConsumed;
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                    cursor.Property = reader.GetString();
                    continue;
                case JsonTokenType.StartArray when reader.CurrentDepth == 1 && cursor.Property == "items":
                    cursor.InItems = true;
                    continue;
                case JsonTokenType.EndArray when reader.CurrentDepth == 1 && cursor.InItems:
                    cursor.InItems = false;
                    continue;
                case JsonTokenType.StartObject when (reader.CurrentDepth == 2 && cursor.InItems) || (reader.CurrentDepth == 1 && cursor.Property == "metadata"):
                    var from = (int)reader.TokenStartIndex;
                    var depth = reader.CurrentDepth;
                    if (!reader.TrySkip())
                    {
                        cursor.State = before;
                        return consumed;
                    }

                    var whole = data[from..(int)reader.BytesConsumed];
                    if (depth == 1)
                    {
                        var metadata = new Utf8JsonReader(whole);
                        cursor.Version = JsonElement.ParseValue(ref metadata).TryGetProperty("resourceVersion", out var rv) && rv.ValueKind == JsonValueKind.String ? rv.GetString() : null;
                    }
                    else
                    {
                        cursor.Each(Detach(whole, cursor.Resource));
                    }

                    continue;
                case JsonTokenType.StartObject or JsonTokenType.StartArray when reader.CurrentDepth == 1:
                    // Another field's object or array: not needed, skipped whole.
                    if (!reader.TrySkip())
                    {
                        cursor.State = before;
                        return consumed;
                    }

                    continue;
                case JsonTokenType.EndObject when reader.CurrentDepth == 0:
                    cursor.Done = true;
                    cursor.State = reader.CurrentState;
                    return (int)reader.BytesConsumed;
                default:
                    continue;
            }
        }
    }

    // The item as its own JSON. The API server leaves apiVersion and kind out of a built-in list's items (a custom
    // resource's keep them); they are written in front where missing, so a cached item says what it is.
    private static JsonElement Detach(ReadOnlySpan<byte> json, ClusterResource resource)
    {
        var reader = new Utf8JsonReader(json);
        var item = JsonElement.ParseValue(ref reader);
        if (item.TryGetProperty("apiVersion", out _) && item.TryGetProperty("kind", out _))
        {
            return item;
        }

        var buffer = new ArrayBufferWriter<byte>(json.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", item.TryGetProperty("apiVersion", out var apiVersion) && apiVersion.ValueKind == JsonValueKind.String ? apiVersion.GetString() : resource.ApiVersion);
            writer.WriteString("kind", item.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String ? kind.GetString() : resource.Kind);
            foreach (var property in item.EnumerateObject())
            {
                if (!property.NameEquals("apiVersion") && !property.NameEquals("kind"))
                {
                    property.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        var filled = new Utf8JsonReader(buffer.WrittenSpan);
        return JsonElement.ParseValue(ref filled);
    }
}
