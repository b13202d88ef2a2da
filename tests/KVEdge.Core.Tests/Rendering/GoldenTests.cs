using KVEdge.Core.Output;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Rendering;

/// <summary>
/// Rendered output for representative specs, byte for byte. After an intended change, regenerate with
/// KVEDGE_UPDATE_GOLDEN=1 and review the diff like code.
/// </summary>
public class GoldenTests
{
    public static TheoryData<string> Files() => new() { "examples/minimal.yaml", "examples/full.yaml", "examples/fleet.yaml", "tests/testdata/valid/sources.yaml" };

    [Theory]
    [MemberData(nameof(Files))]
    public void Rendered_yaml_matches_its_golden_file(string file)
    {
        var golden = Path.Combine(RepoPaths.TestData, "golden", Path.GetFileNameWithoutExtension(file) + ".yaml");
        var actual = RenderFixtures.RenderYaml(file);
        Golden.AssertMatches(golden, actual);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Json_output_is_one_v1_list_of_the_same_objects(string file)
    {
        var devices = RenderFixtures.Render(file).Devices;
        var list = System.Text.Json.Nodes.JsonNode.Parse(ManifestSerializer.ToJsonList(devices.SelectMany(d => d.Objects)))!;
        Assert.Equal(("v1", "List"), ((string?)list["apiVersion"], (string?)list["kind"]));
        var fromYaml = YamlToJson.ParseAll(ManifestSerializer.ToYaml(devices));
        var items = list["items"]!.AsArray();
        Assert.Equal(fromYaml.Count, items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(fromYaml[i], items[i]), $"object {i} differs between YAML and JSON output");
        }
    }
}
