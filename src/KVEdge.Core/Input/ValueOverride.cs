using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KVEdge.Core.Input;

/// <summary>
/// A helm-style <c>--set path=value</c> or <c>--set-file path=FILE</c>. Paths address the document
/// (<c>spec.cpu.cores</c>, <c>spec.ssh.authorizedKeys[0]</c>, <c>metadata.labels.app\.kubernetes\.io/part-of</c>).
/// A value of <c>null</c> removes the key; <c>{a,b}</c> is a list. Values are typed by the field they land in,
/// so <c>--set spec.iotEdge.version=1.5</c> stays the string "1.5".
/// </summary>
public sealed record ValueOverride(string Origin, IReadOnlyList<PathSegment> Path, YamlNode? Value)
{
    public static IReadOnlyList<ValueOverride> ParseSet(string expression)
    {
        var result = new List<ValueOverride>();
        foreach (var assignment in SplitTopLevel(expression, ','))
        {
            var (path, value) = SplitAssignment(assignment, "--set");
            // The origin names the path, never the value: it prefixes every message about this field, and a value
            // given with --set may be a credential (a connection string, a key, a PEM) that must not be echoed.
            result.Add(new ValueOverride($"--set {Diagnostics.DisplayText.Escape(path)}", PathSegment.Parse(path), ParseValue(value)));
        }

        return result;
    }

    public static ValueOverride ParseSetFile(string expression, Func<string, string> readFile)
    {
        var (path, given) = SplitAssignment(expression, "--set-file");
        var file = InputFile.ExpandHome(given);
        string content;
        try
        {
            content = readFile(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OverrideException($"--set-file {Diagnostics.DisplayText.Escape(path)}: cannot read {Diagnostics.DisplayText.Quote(file)}: {ex.Message}");
        }

        var node = new YamlScalarNode(content) { Style = ScalarStyle.DoubleQuoted };
        return new ValueOverride($"--set-file {Diagnostics.DisplayText.Escape(path)}={Diagnostics.DisplayText.Escape(file)}", PathSegment.Parse(path), node);
    }

    private static (string Path, string Value) SplitAssignment(string assignment, string flag)
    {
        var eq = IndexOfUnescaped(assignment, '=');
        if (eq <= 0)
        {
            // Not shown: what has no path may well be a pasted credential.
            throw new OverrideException($"{flag}: expected path=value, got {assignment.Length} character(s) with no path before '='");
        }

        var path = assignment[..eq];
        // A path starts at a top-level key of the document; anything else (a base64 key whose padding looked like
        // "=", a pasted connection string) is not echoed, since it may be a secret.
        if (!TopLevelKeys.Any(k => path == k || path.StartsWith(k + ".", StringComparison.Ordinal) || path.StartsWith(k + "[", StringComparison.Ordinal)))
        {
            throw new OverrideException($"{flag}: a path starts at {string.Join(", ", TopLevelKeys)}; got one of {path.Length} character(s) (not shown)");
        }

        // A spec's paths are short and shallow; a longer one is not shown (it was echoed whole, 120 KB of it) and a
        // deeper one would nest the document past what the binder may recurse through.
        var depth = path.Count(c => c is '.' or '[') + 1;
        if (path.Length > MaxPathLength || depth > Files.YamlDepth.Max)
        {
            throw new OverrideException($"{flag}: a path of {path.Length} character(s) and {depth} level(s) (not shown) is longer or deeper than any field of the spec");
        }

        return (path, assignment[(eq + 1)..]);
    }

    /// <summary>The longest --set path kvedge reads: the spec's longest is under 100 characters.</summary>
    public const int MaxPathLength = 512;

    private static readonly string[] TopLevelKeys = ["apiVersion", "kind", "metadata", "spec"];

    private static YamlNode? ParseValue(string raw)
    {
        if (raw == "null")
        {
            return null;
        }

        if (raw.Length >= 2 && raw[0] == '{' && raw[^1] == '}')
        {
            var list = new YamlSequenceNode();
            var inner = raw[1..^1];
            if (inner.Length > 0)
            {
                foreach (var item in SplitTopLevel(inner, ','))
                {
                    list.Add(new YamlScalarNode(Unescape(item)) { Style = ScalarStyle.Plain });
                }
            }

            return list;
        }

        return new YamlScalarNode(Unescape(raw)) { Style = ScalarStyle.Plain };
    }

    internal static List<string> SplitTopLevel(string text, char separator)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var depth = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && i + 1 < text.Length)
            {
                current.Append(c).Append(text[++i]);
                continue;
            }

            depth += c switch { '{' => 1, '}' => -1, _ => 0 };
            if (c == separator && depth == 0)
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }

            current.Append(c);
        }

        parts.Add(current.ToString());
        return parts;
    }

    internal static int IndexOfUnescaped(string text, char c)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == c)
            {
                return i;
            }
        }

        return -1;
    }

    internal static string Unescape(string text)
    {
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                i++;
            }

            sb.Append(text[i]);
        }

        return sb.ToString();
    }

    public override string ToString() => Origin;

    internal string PathText => string.Concat(Path.Select((s, i) => s.Index is { } n
        ? string.Create(CultureInfo.InvariantCulture, $"[{n}]")
        : (i == 0 ? s.Key : "." + s.Key)));
}
