using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KVEdge.Core.Kube;

namespace KVEdge.Core.Tests.Kube;

/// <summary>The LIST answer read item by item: the same items and resourceVersion as parsing it whole, however the stream splits it.</summary>
public sealed class ListReaderTests
{
    // Hands out a few bytes per read, so every token and item lands across reads somewhere.
    private sealed class Trickle(byte[] data, int seed) : MemoryStream(data)
    {
        private readonly Random _random = new(seed);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, _random.Next(1, 9))], cancellationToken);
    }

    // The whole list as the cluster client collects it: every item handed on, made a JsonObject.
    private static async Task<(List<JsonObject> Items, string? Version)> ReadAll(Stream stream, ClusterResource resource)
    {
        var items = new List<JsonObject>();
        var version = await ListReader.ReadEachAsync(stream, resource, item => items.Add(JsonObject.Create(item)!), CancellationToken.None);
        return (items, version);
    }

    private static string List(int items, int valueLength, bool metadataLast) =>
        new JsonObject
        {
            ["kind"] = "ConfigMapList",
            ["apiVersion"] = "v1",
            ["extra"] = new JsonObject { ["nested"] = new JsonArray(1, 2, new JsonObject { ["x"] = "y" }) },
        }.ToJsonString()[..^1]
        + (metadataLast ? "" : ",\"metadata\":{\"resourceVersion\":\"4711\",\"continue\":\"\"}")
        + ",\"items\":[" + string.Join(",", Enumerable.Range(0, items).Select(i =>
            new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = $"cm-{i}", ["namespace"] = "factory-a", ["labels"] = new JsonObject { ["a"] = "b" } },
                ["data"] = new JsonObject { ["file"] = new string((char)('a' + (i % 26)), valueLength), ["esc"] = "quote \" brace } bracket ] \u00e9" },
            }.ToJsonString()))
        + "]"
        + (metadataLast ? ",\"metadata\":{\"resourceVersion\":\"4711\"}" : "")
        + "}";

    [Theory]
    [InlineData(0, 10, false)]
    [InlineData(3, 10, true)]
    [InlineData(5, 200_000, false)]
    [InlineData(40, 3_000, true)]
    public async Task It_reads_what_a_whole_parse_reads_however_the_stream_splits_it(int items, int valueLength, bool metadataLast)
    {
        var json = List(items, valueLength, metadataLast);
        var whole = JsonNode.Parse(json)!;
        var list = await ReadAll(new Trickle(Encoding.UTF8.GetBytes(json), items + valueLength), ClusterResource.ConfigMap);

        Assert.Equal("4711", list.Version);
        Assert.Equal(items, list.Items.Count);
        for (var i = 0; i < items; i++)
        {
            var expected = whole["items"]![i]!.AsObject();
            // The kind and apiVersion a list's items lack are filled in from the resource, as before.
            expected["apiVersion"] = "v1";
            expected["kind"] = "ConfigMap";
            Assert.True(JsonNode.DeepEquals(expected, list.Items[i]), $"item {i} differs");
        }
    }

    [Fact]
    public async Task Each_item_is_handed_on_while_the_rest_of_the_list_is_still_coming()
    {
        var json = Encoding.UTF8.GetBytes(List(40, 3_000, metadataLast: false));
        var handed = 0;
        var handedAtRead = new List<(long Position, int Handed)>();
        var stream = new Watching(json, s => handedAtRead.Add((s.Position, handed)));

        var version = await ListReader.ReadEachAsync(stream, ClusterResource.ConfigMap, item =>
        {
            Assert.Equal($"cm-{handed}", item.GetProperty("metadata").GetProperty("name").GetString());
            Assert.Equal("ConfigMap", item.GetProperty("kind").GetString());
            handed++;
        }, CancellationToken.None);

        Assert.Equal("4711", version);
        Assert.Equal(40, handed);
        // When the reader asked for the list's second half, the items of its first half had been handed on already.
        var half = handedAtRead.First(r => r.Position >= json.Length / 2);
        Assert.True(half.Handed >= 15, $"only {half.Handed} items handed on at byte {half.Position} of {json.Length}");
    }

    [Fact]
    public async Task A_custom_resource_item_keeps_its_own_apiVersion_and_kind()
    {
        const string Json = """{"kind":"EdgeDeviceList","apiVersion":"kvedge.io/v1alpha1","metadata":{"resourceVersion":"7"},"items":[{"apiVersion":"kvedge.io/v1alpha1","kind":"EdgeDevice","metadata":{"name":"a"}}]}""";
        var list = await ReadAll(new MemoryStream(Encoding.UTF8.GetBytes(Json)), ClusterResource.EdgeDevice);
        Assert.Equal("""{"apiVersion":"kvedge.io/v1alpha1","kind":"EdgeDevice","metadata":{"name":"a"}}""", Assert.Single(list.Items).ToJsonString());
    }

    [Theory]
    [InlineData("""{"items":[{}]}""", """{"apiVersion":"v1","kind":"ConfigMap"}""")]
    [InlineData("""{"items":[ { "metadata" : {"name":"a"} } ]}""", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}""")]
    [InlineData("""{"items":[{"kind":"ConfigMap","metadata":{"name":"a"}}]}""", """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}""")]
    public async Task A_missing_apiVersion_or_kind_is_spliced_in_whatever_the_item_looks_like(string json, string expected)
    {
        var list = await ReadAll(new MemoryStream(Encoding.UTF8.GetBytes(json)), ClusterResource.ConfigMap);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), Assert.Single(list.Items)), Assert.Single(list.Items).ToJsonString());
    }

    // Calls back before every read with where the stream is, 4 KB at a time.
    private sealed class Watching(byte[] data, Action<Stream> beforeRead) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            beforeRead(this);
            return base.ReadAsync(buffer[..Math.Min(buffer.Length, 4096)], cancellationToken);
        }
    }

    [Theory]
    [InlineData("{\"items\":[{\"metadata\":{\"name\":\"a\"}}")]
    [InlineData("{\"items\":[{\"metadata\":{\"name\":\"a\"}},]}")]
    [InlineData("")]
    public async Task A_cut_or_broken_answer_is_an_error_not_a_shorter_list(string json) =>
        await Assert.ThrowsAnyAsync<JsonException>(() => ReadAll(new MemoryStream(Encoding.UTF8.GetBytes(json)), ClusterResource.ConfigMap));
}
