using System.Text;
using System.Text.Json;

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

    // The item as its own JSON, parsed once. The API server leaves apiVersion and kind out of a built-in list's items (a
    // custom resource's keep them): they are spliced in front where both are missing, so a cached item says what it is.
    private static JsonElement Detach(ReadOnlySpan<byte> json, ClusterResource resource)
    {
        var (hasApiVersion, hasKind) = TypeMetaOf(json);
        if (hasApiVersion && hasKind)
        {
            var reader = new Utf8JsonReader(json);
            return JsonElement.ParseValue(ref reader);
        }

        List<string> members = [];
        if (!hasApiVersion)
        {
            members.Add($"\"apiVersion\":\"{JsonEncodedText.Encode(resource.ApiVersion)}\"");
        }

        if (!hasKind)
        {
            members.Add($"\"kind\":\"{JsonEncodedText.Encode(resource.Kind)}\"");
        }

        var rest = json[(json.IndexOf((byte)'{') + 1)..];
        // A comma before the item's own members, unless it has none.
        var head = Encoding.UTF8.GetBytes("{" + string.Join(",", members) + (rest.TrimStart(" \t\r\n"u8).StartsWith("}"u8) ? "" : ","));
        var spliced = new byte[head.Length + rest.Length];
        head.CopyTo(spliced, 0);
        rest.CopyTo(spliced.AsSpan(head.Length));
        var filledReader = new Utf8JsonReader(spliced);
        return JsonElement.ParseValue(ref filledReader);
    }

    // Which of apiVersion and kind the item has, from its top-level property names (values skipped, nothing allocated).
    private static (bool ApiVersion, bool Kind) TypeMetaOf(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read();
        bool apiVersion = false, kind = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            apiVersion |= reader.ValueTextEquals("apiVersion"u8);
            kind |= reader.ValueTextEquals("kind"u8);
            reader.Read();
            reader.Skip();
        }

        return (apiVersion, kind);
    }
}
