using System.Text;

namespace KVEdge.Core.Rendering.IotEdge;

/// <summary>
/// Values written into systemd unit files, escaped as systemd reads them back (systemd v252, the guest's:
/// src/shared/conf-parser.c reads a line, src/shared/specifier.c expands "%" specifiers in it first, then
/// config_parse_environ in src/core/load-fragment.c splits it into words with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE).
/// The validator's patterns already keep every field that reaches a unit to characters that need none of this; the
/// escaping is the second wall, so that a rule loosened later cannot turn a value into a directive.
/// </summary>
public static class SystemdUnitText
{
    /// <summary>One <c>Environment="NAME=VALUE"</c> line: '%' doubled, '\' and '"' backslash-escaped.</summary>
    public static string Environment(string name, string value)
    {
        RefuseLineBreaks(name, value);
        var sb = new StringBuilder("Environment=\"");
        foreach (var ch in name + "=" + value)
        {
            sb.Append(ch switch
            {
                '%' => "%%",
                '\\' => "\\\\",
                '"' => "\\\"",
                _ => ch.ToString(),
            });
        }

        return sb.Append("\"\n").ToString();
    }

    /// <summary>An absolute path in a space-separated path list (RequiresMountsFor=): '%' doubled; a blank would split it.</summary>
    public static string Path(string path)
    {
        RefuseLineBreaks("path", path);
        if (path.Any(char.IsWhiteSpace) || path.Contains('\\', StringComparison.Ordinal))
        {
            throw new ArgumentException("a path with a blank or a backslash cannot be written to a systemd path list", nameof(path));
        }

        return path.Replace("%", "%%", StringComparison.Ordinal);
    }

    // A line break ends the directive whatever the quoting: the rest would be read as a directive of its own.
    private static void RefuseLineBreaks(string name, string value)
    {
        if ((name + value).Any(char.IsControl))
        {
            throw new ArgumentException($"{name}: a control character cannot be written to a systemd unit", nameof(value));
        }
    }
}
