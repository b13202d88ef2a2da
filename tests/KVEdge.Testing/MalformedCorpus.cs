using System.Text.Json;

namespace KVEdge.Testing;

/// <summary>
/// One case of the malformed corpus (tests/testdata/invalid). The file's header says what must happen and through
/// which channel the bad value arrives:
/// <code>
/// # expect: PATH RULE            (first line; PATH "-" for a whole-document error)
/// # set: PATH=VALUE              (given as --set; VALUE may be a JSON string, for control characters)
/// # set-file: PATH=FILE          (given as --set-file; FILE relative to tests/testdata)
/// # env: NAME=VALUE              (in the environment; VALUE may be a JSON string)
/// # chart: skip REASON           (the case cannot be given to the Helm chart, and why)
/// </code>
/// </summary>
public sealed record MalformedCase(
    string Name,
    string File,
    string Path,
    string Rule,
    IReadOnlyList<string> Sets,
    IReadOnlyList<(string Path, string File)> SetFiles,
    IReadOnlyDictionary<string, string> Env,
    string? ChartSkip)
{
    /// <summary>How the bad value reaches kvedge: the spec file, --set, --set-file or the environment.</summary>
    public string Channel => Env.Count > 0 ? "env" : SetFiles.Count > 0 ? "--set-file" : Sets.Count > 0 ? "--set" : "spec";

    /// <summary>Every value given outside the spec file: none of these may appear in output when it is a credential.</summary>
    public IEnumerable<string> GivenValues =>
        Sets.Select(s => s[(s.IndexOf('=', StringComparison.Ordinal) + 1)..])
            .Concat(SetFiles.Select(f => System.IO.File.ReadAllText(f.File)))
            .Concat(Env.Values);

    /// <summary>The secret parts of a value: a connection string's key, a PEM block's body lines, else the whole value.</summary>
    public static IEnumerable<string> SecretParts(string value)
    {
        if (value.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return value.Split('\n').Where(l => l.Length >= 16 && !l.StartsWith("-----", StringComparison.Ordinal));
        }

        if (value.Contains("SharedAccess", StringComparison.Ordinal))
        {
            return value.Split(';').Select(p => p.Split('=', 2)).Where(kv => kv.Length == 2 && kv[0].Contains("SharedAccess", StringComparison.Ordinal) && kv[1].Length >= 8).Select(kv => kv[1].Trim());
        }

        return [value.Trim()];
    }
}

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
