using KVEdge.Core.Files;
using System.Text.Json.Nodes;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Files;

/// <summary>
/// Whatever string goes in must come back as the same string from both YAML 1.2 (YamlDotNet, like sigs.k8s.io/yaml's
/// core schema) and YAML 1.1 (PyYAML, which cloud-init uses) readers.
/// </summary>
public class YamlWriterTests
{
    public static readonly string[] Tricky =
    [
        "", " ", "plain", "yes", "No", "on", "OFF", "y", "n", "true", "False", "null", "~", "NULL", "0600", "0x1F", "1e3", "1.5", ".5", "-1", "+1",
        "1_000", "12:30", "2024-01-01", ".inf", "-.Inf", ".NaN", "=", "<<", "a: b", "a:b", "a #b", "a#b", "#x", "- x", "-x", "? x", "@x", "`x", "%x",
        "!x", "&x", "*x", "|", ">", "'", "\"", "{a}", "[a]", "a,b", "x ", " x", "tab\there", "line\n", "two\nlines", "two\nlines\n", "trailing \nspace",
        "\nleading newline", "ends\n\n", "crlf\r\n", "ünïcødé", "emoji 🚀", "ALL=(ALL) NOPASSWD:ALL", "/bin/bash", "docker://quay.io/a/b:1",
        "ssh-ed25519 AAAA+/== c@d", "back\\slash", "ctrl\u0001char", "\u00a0nbsp",
        "ls\u2028name: evil\nx", "ps\u2029---\nx", "nel\u0085kind: Service\nx", "bom\ufeffx\ny", "non\uffffchar\nx",
    ];

    private static string Emit(JsonNode node) => YamlWriter.Write(node);

    [Fact]
    public void Strings_round_trip_through_yamldotnet()
    {
        var obj = new JsonObject();
        for (var i = 0; i < Tricky.Length; i++)
        {
            obj[$"k{i}"] = Tricky[i];
            obj[Tricky[i].Length > 0 ? "key " + Tricky[i] : "empty"] = i;
        }

        var back = YamlToJson.ParseAll(Emit(obj)).Single();
        Assert.True(JsonNode.DeepEquals(obj, back), Emit(obj));
    }

    [Fact]
    public void Strings_round_trip_through_pyyaml_as_cloud_init_reads_them()
    {
        var python = ExternalTool.Require("/usr/bin/python3");
        var list = new JsonArray([.. Tricky.Select(s => (JsonNode?)s)]);
        var yaml = Emit(new JsonObject { ["items"] = list });
        var result = ExternalTool.Run(python, ["-c", "import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))"], yaml);
        Assert.True(result.ExitCode == 0, result.StdErr);
        var back = JsonNode.Parse(result.StdOut)!["items"]!.AsArray();
        for (var i = 0; i < Tricky.Length; i++)
        {
            Assert.True(Tricky[i] == (string?)back[i], $"'{Tricky[i]}' came back as '{back[i]}' from:\n{yaml}");
        }
    }

    [Fact]
    public void Nested_shapes_keep_kubectl_layout()
    {
        var node = JsonNode.Parse("""{"a":{"b":[{"c":1,"d":[]},{"e":{}}],"f":[["x"]]},"g":"multi\nline\n"}""")!;
        Assert.Equal("a:\n  b:\n  - c: 1\n    d: []\n  - e: {}\n  f:\n  - - x\ng: |\n  multi\n  line\n", Emit(node));
        var back = YamlToJson.ParseAll(Emit(node)).Single();
        Assert.True(JsonNode.DeepEquals(node, back));
    }

    [Fact]
    public void Numbers_and_booleans_stay_typed()
    {
        var node = JsonNode.Parse("""{"i":22,"f":1.5,"t":true,"n":null,"s":"22"}""")!;
        // "n" is a YAML 1.1 boolean, so even a key spelled so is quoted.
        Assert.Equal("i: 22\nf: 1.5\nt: true\n\"n\": null\ns: \"22\"\n", Emit(node));
    }
}
