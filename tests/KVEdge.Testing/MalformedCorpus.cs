using System.Text.Json;

namespace KVEdge.Testing;

public static class MalformedCorpus
{
    public static string Dir => System.IO.Path.Combine(RepoPaths.TestData, "invalid");

    public static IReadOnlyList<MalformedCase> All { get; } = Load();

    public static MalformedCase Get(string name) => All.Single(c => c.Name == name);

    public static IEnumerable<string> Names => All.Select(c => c.Name);

    private static List<MalformedCase> Load() =>
        Directory.EnumerateFiles(Dir, "*.yaml").Order(StringComparer.Ordinal).Select(Parse).ToList();

    private static MalformedCase Parse(string file)
    {
        var header = File.ReadLines(file).TakeWhile(l => l.StartsWith("# ", StringComparison.Ordinal)).ToList();
        var expect = header[0].StartsWith("# expect: ", StringComparison.Ordinal)
            ? header[0]["# expect: ".Length..]
            : throw new InvalidDataException($"{file}: the first line must be '# expect: PATH RULE'");
        var cut = expect.LastIndexOf(' ');
        var path = expect[..cut];
        var sets = new List<string>();
        var setFiles = new List<(string, string)>();
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        string? chartSkip = null;
        foreach (var line in header.Skip(1))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var (key, value) = (line[2..colon], Unquote(line[(colon + 2)..]));
            switch (key)
            {
                case "set":
                    sets.Add(value);
                    break;
                case "set-file":
                    var eq = value.IndexOf('=', StringComparison.Ordinal);
                    setFiles.Add((value[..eq], System.IO.Path.Combine(RepoPaths.TestData, value[(eq + 1)..])));
                    break;
                case "env":
                    var e = value.IndexOf('=', StringComparison.Ordinal);
                    env[value[..e]] = value[(e + 1)..];
                    break;
                case "chart":
                    chartSkip = value.StartsWith("skip ", StringComparison.Ordinal)
                        ? value["skip ".Length..]
                        : throw new InvalidDataException($"{file}: '# chart:' takes 'skip REASON'");
                    break;
                default:
                    throw new InvalidDataException($"{file}: unknown header '{key}'");
            }
        }

        return new MalformedCase(System.IO.Path.GetFileName(file), file, path == "-" ? "" : path, expect[(cut + 1)..], sets, setFiles, env, chartSkip);
    }

    private static string Unquote(string value) =>
        value.StartsWith('"') ? JsonSerializer.Deserialize<string>(value)! : value;
}
