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
        var list = await ListReader.ReadAsync(new Trickle(Encoding.UTF8.GetBytes(json), items + valueLength), ClusterResource.ConfigMap, CancellationToken.None);

        Assert.Equal("4711", list.ResourceVersion);
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

    [Theory]
    [InlineData("{\"items\":[{\"metadata\":{\"name\":\"a\"}}")]
    [InlineData("{\"items\":[{\"metadata\":{\"name\":\"a\"}},]}")]
    [InlineData("")]
    public async Task A_cut_or_broken_answer_is_an_error_not_a_shorter_list(string json) =>
        await Assert.ThrowsAnyAsync<JsonException>(() => ListReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(json)), ClusterResource.ConfigMap, CancellationToken.None));
}
