using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Input;
using KVEdge.Core.Output;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Output;

/// <summary>
/// A GitOps tree is read by parsers kvedge does not choose: YamlDotNet (YAML 1.2), PyYAML (YAML 1.1, cloud-init's) and
/// kubectl's own (sigs.k8s.io/yaml over go-yaml, through `kubectl kustomize`). Every rendered document of a device whose
/// free-text fields hold every YAML line-break class must come back from each as exactly the objects kvedge meant:
/// no renamed object, no extra document.
/// </summary>
public class RenderedYamlParsersTests
{
    // Line breaks to one reader or another: LF, CR, CRLF, NEL (U+0085), LS (U+2028), PS (U+2029); and a BOM. (No "---":
    // kustomize itself fails to re-emit a value holding a document marker, whatever the input's quoting.)
    private static readonly string[] Breaks = ["\n", "\r", "\r\n", "\u0085", "\u2028", "\u2029", "\ufeff"];

    private static (string Yaml, JsonNode Expected) RenderHostile(IEnumerable<string>? breaks = null)
    {
        var annotations = string.Join("\n", (breaks ?? Breaks).Select((b, i) =>
            $"    kvedge.io/note-{i}: \"line{JsonEscape(b)}name: evil-{i}{JsonEscape(b)}kind: Service\\nx\""));
        var spec = Specs.Minimal().Replace("  namespace: factory-a\n", "  namespace: factory-a\n  annotations:\n" + annotations + "\n", StringComparison.Ordinal);
        var result = TemplateAction.Run([new InputFile("hostile.yaml", spec)], [], "default");
        Assert.False(result.Diagnostics.HasErrors, string.Join("\n", result.Diagnostics.Items));
        var objects = result.Devices.SelectMany(d => d.Objects).ToList();
        var expected = new JsonArray([.. objects.Select(o => (JsonNode?)ManifestSerializer.ToJsonNode(o))]);
        return (ManifestSerializer.ToYaml(result.Devices), expected);
    }

    private static string JsonEscape(string s) => string.Concat(s.Select(c => $"\\u{(int)c:x4}"));

    [Fact]
    public void No_line_break_but_the_literal_blocks_own_newlines_is_written_raw()
    {
        var (yaml, _) = RenderHostile();
        foreach (var raw in new[] { "\r", "\u0085", "\u2028", "\u2029", "\ufeff" })
        {
            Assert.DoesNotContain(raw, yaml, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_line_break_class_stays_inside_its_value_in_yamldotnet()
    {
        var (yaml, expected) = RenderHostile();
        var back = new JsonArray([.. YamlToJson.ParseAll(yaml).Select(o => (JsonNode?)o)]);
        Assert.True(JsonNode.DeepEquals(expected, back), yaml);
    }

    [Fact]
    public void Every_line_break_class_stays_inside_its_value_in_pyyaml()
    {
        var python = ExternalTool.Require("/usr/bin/python3");
        var (yaml, expected) = RenderHostile();
        var result = ExternalTool.Run(python, ["-c", "import sys, json, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin.buffer.read().decode('utf-8')))))"], yaml);
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(result.StdOut)), result.StdOut);
    }

    [Fact]
    public void Every_line_break_class_stays_inside_its_value_in_kubectls_parser()
    {
        var kubectl = ExternalTool.Require(Path.Combine(RepoPaths.Root, ".tools", "kubectl", "kubectl"));
        // Not NEL: kustomize re-emits U+0085 raw (go-yaml v3 reads YAML 1.2, where it is no break), so any YAML 1.1
        // reader of kustomize's output, ours included, folds it to a space; kvedge's own output holds it escaped (above).
        var (yaml, expected) = RenderHostile(Breaks.Where(b => b != "\u0085"));
        var dir = Directory.CreateTempSubdirectory("kvedge-kustomize-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "device.yaml"), yaml);
            File.WriteAllText(Path.Combine(dir.FullName, "kustomization.yaml"), "resources:\n- device.yaml\n");
            var result = ExternalTool.Run(kubectl, ["kustomize", dir.FullName]);
            Assert.True(result.ExitCode == 0, result.StdErr);
            // kustomize orders objects by kind; compare by kind and name.
            static string Key(JsonNode o) => $"{o["kind"]}/{o["metadata"]!["name"]}";
            var back = YamlToJson.ParseAll(result.StdOut).ToDictionary(o => Key(o));
            Assert.Equal(expected.AsArray().Count, back.Count);
            foreach (var o in expected.AsArray())
            {
                Assert.True(back.TryGetValue(Key(o!), out var read), $"{Key(o!)} missing from kubectl's output:\n{result.StdOut}");
                Assert.True(JsonNode.DeepEquals(o, read), $"{Key(o!)} differs:\n{read}");
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
