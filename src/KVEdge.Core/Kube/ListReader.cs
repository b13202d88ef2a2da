using System.Text.Json;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

/// <summary>
/// Reads a LIST answer ({"metadata":{"resourceVersion":...},"items":[...]}) from the response stream one item at a
/// time, each item parsed into its own small document. Parsing the whole answer as one document would hold all of it
/// (a fleet's ConfigMaps alone are tens of megabytes) in buffers rented from the shared array pool while it grows, and
/// the pool keeps what it gets back: a controller's memory after its first lists would be that of its largest answer
/// several times over. Here the only buffer is one item long.
/// </summary>
public static class ListReader
{
    private const int InitialBuffer = 64 * 1024;

    public static async Task<ObjectList> ReadAsync(Stream stream, ClusterResource resource, CancellationToken ct)
    {
        var buffer = new byte[InitialBuffer];
        int start = 0, end = 0;
        var final = false;
        var cursor = new Cursor();
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

            // Keep what is not consumed yet (a part of an item) at the front, and make room for more of it.
            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                Array.Resize(ref buffer, buffer.Length * 2);
            }

            var read = await stream.ReadAsync(buffer.AsMemory(end), ct).ConfigureAwait(false);
            end += read;
            final = read == 0;
        }

        foreach (var item in cursor.Items)
        {
            item["apiVersion"] ??= resource.ApiVersion;
            item["kind"] ??= resource.Kind;
        }

        return new ObjectList(cursor.Items, cursor.Version);
    }

    // Where the reading is between two buffers: the reader's state after the last whole token, and what was seen.
    private sealed class Cursor
    {
        public JsonReaderState State;
        public string? Property;
        public bool InItems;
        public bool Done;
        public string? Version;
        public List<JsonObject> Items { get; } = [];
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
                    if (!reader.TrySkip())
                    {
                        cursor.State = before;
                        return consumed;
                    }

                    var value = JsonNode.Parse(data[from..(int)reader.BytesConsumed])!.AsObject();
                    if (reader.CurrentDepth == 1)
                    {
                        cursor.Version = value["resourceVersion"]?.GetValue<string>();
                    }
                    else
                    {
                        cursor.Items.Add(value);
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
}
