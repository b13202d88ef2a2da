using System.Text;
using System.Text.Json.Nodes;
using KVEdge.Testing;
using Tomlyn;

namespace KVEdge.Core.Tests.Chart;

/// <summary>
/// Compares two renderings as parsed objects: YAML layout and key order do not matter, and the files inside Secrets
/// and ConfigMaps are compared by their own meaning (cloud-config as YAML, config.toml as TOML, JSON as JSON,
/// shell assignments as a set of lines).
/// </summary>
public static class ObjectComparer
{
    public static Dictionary<string, JsonObject> Index(string yaml) =>
        YamlToJson.ParseAll(yaml).ToDictionary(o => $"{o["kind"]}/{o["metadata"]!["name"]}", Normalize, StringComparer.Ordinal);

    public static IReadOnlyList<string> Differences(string expectedYaml, string actualYaml)
    {
        var expected = Index(expectedYaml);
        var actual = Index(actualYaml);
        var differences = new List<string>();
        foreach (var key in expected.Keys.Union(actual.Keys).Order(StringComparer.Ordinal))
        {
            if (!expected.TryGetValue(key, out var e))
            {
                differences.Add($"{key}: only in the chart's output");
            }
            else if (!actual.TryGetValue(key, out var a))
            {
                differences.Add($"{key}: missing from the chart's output");
            }
            else if (!JsonNode.DeepEquals(e, a))
            {
                differences.Add($"{key} differs:\n  kvedge: {e.ToJsonString()}\n  helm:   {a.ToJsonString()}");
            }
        }

        return differences;
    }

    private static JsonObject Normalize(JsonObject o)
    {
        var copy = (JsonObject)o.DeepClone();
        if (copy["data"] is JsonObject data)
        {
            var secret = (string?)copy["kind"] == "Secret";
            foreach (var (key, value) in data.ToList())
            {
                var text = (string)value!;
                if (secret)
                {
                    text = Encoding.UTF8.GetString(Convert.FromBase64String(text));
                }

                data[key] = FileContent(key, text);
            }
        }

        return copy;
    }

    private static JsonNode? FileContent(string key, string text) => key switch
    {
        "userdata" => YamlToJson.ParseAll(text.Replace("#cloud-config\n", "", StringComparison.Ordinal)).Single(),
        "config.toml" => JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Plain(TomlSerializer.Deserialize<Tomlyn.Model.TomlTable>(text)!))),
        "daemon.json" => JsonNode.Parse(text),
        "kvedge.env" => new JsonArray([.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).Select(l => (JsonNode?)l)]),
        _ => JsonValue.Create(text),
    };

    private static object? Plain(object? toml) => toml switch
    {
        Tomlyn.Model.TomlTable t => t.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => Plain(kv.Value)),
        Tomlyn.Model.TomlArray a => a.Select(Plain).ToList(),
        _ => toml,
    };
}
