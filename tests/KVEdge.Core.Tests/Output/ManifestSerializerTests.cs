using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using KVEdge.Core.Actions;
using KVEdge.Core.Input;
using KVEdge.Core.Output;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Output;

public class ManifestSerializerTests
{
    private const string IotEdge = "iotEdge:\n  provisioning: {source: manual, method: connectionString}\n  credentials: {existingSecret: edge-iotedge}";

    [Fact]
    public void A_fleet_rendered_and_written_on_every_core_is_in_input_order_and_the_bytes_of_a_serial_run()
    {
        var names = Enumerable.Range(0, 3 * OrderedParallel.MinItems).Select(i => $"edge-{(i * 7919) % 1000:D3}").ToList();
        var fleet = string.Join("\n---\n", names.Select(n => Specs.Minimal(n, IotEdge)));
        var result = TemplateAction.Run([new InputFile("fleet.yaml", fleet)], [], "default");
        Assert.False(result.Diagnostics.HasErrors, string.Join("\n", result.Diagnostics.Items));
        Assert.Equal(names, result.Devices.Select(d => d.Name));

        var objects = result.Devices.SelectMany(d => d.Objects).ToList();
        var serial = string.Concat(objects.Select(o => ManifestSerializer.ToYaml([o])));

        var text = new StringWriter();
        ManifestSerializer.WriteYaml(text, objects);
        Assert.Equal(serial, text.ToString());

        var bytes = new MemoryStream();
        using (var stream = new StreamWriter(bytes, new UTF8Encoding(false), 1024, leaveOpen: true))
        {
            ManifestSerializer.WriteYaml(stream, objects);
        }

        Assert.Equal(serial, Encoding.UTF8.GetString(bytes.ToArray()));
    }

    [Fact]
    public void Long_strings_read_back_as_their_text_wherever_they_stand()
    {
        var script = string.Concat(Enumerable.Range(0, 200).Select(i => $"echo \"line {i}: ü\" # {new string('x', 1 + (i % 13))}\n"));
        var oneLine = new string('a', 3000) + "\"quoted\" and \\ and a tab\t";
        var lookalike = "kvedge-long-00000000000000000000000000000000-0" + new string('z', 3000);
        var map = new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta { Name = "long", NamespaceProperty = "default" },
            Data = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["script"] = script,
                ["script-again"] = script,
                ["one-line"] = oneLine,
                ["lookalike"] = lookalike,
                [new string('k', 253)] = "the longest key a ConfigMap allows",
            },
        };

        var yaml = ManifestSerializer.ToYaml([map]);
        var back = YamlToJson.ParseAll(yaml).Single();
        Assert.True(JsonNode.DeepEquals(ManifestSerializer.ToJsonNode(map), back), yaml[..Math.Min(yaml.Length, 2000)]);
        Assert.Contains("  script: |\n    echo", yaml, StringComparison.Ordinal);
    }
}
