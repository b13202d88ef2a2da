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
