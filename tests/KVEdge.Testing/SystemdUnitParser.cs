using System.Text;

namespace KVEdge.Testing;

/// <summary>
/// Reads a unit file (or drop-in) as systemd v252 does, to check what kvedge writes into one: src/shared/conf-parser.c
/// (lines, "\" continuation, comments, sections, KEY=VALUE), src/shared/specifier.c (a "%" starts a specifier, "%%" is
/// one "%") and, for Environment=, config_parse_environ in src/core/load-fragment.c (words split with
/// EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE: double or single quotes, C escapes). A value that would become a second directive
/// shows as one here; a specifier left in a value is reported, since systemd would replace it.
/// </summary>
public static class SystemdUnitParser
{
    public sealed record Directive(string Section, string Key, string Value);

    public static IReadOnlyList<Directive> Parse(string text)
    {
        var result = new List<Directive>();
        var section = "";
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim(' ', '\t', '\r');
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            // A trailing backslash joins the next line (comment lines in between are skipped), as conf-parser.c does.
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                var next = lines[++i].Trim(' ', '\t', '\r');
                if (next.Length > 0 && next[0] is '#' or ';')
                {
                    continue;
                }

                line = line[..^1] + " " + next;
            }

            if (line[0] == '[')
            {
                section = line.EndsWith(']') ? line[1..^1] : throw new FormatException($"bad section line: {line}");
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                throw new FormatException($"missing '=': {line}");
            }

            result.Add(new Directive(section, line[..eq].Trim(), line[(eq + 1)..].Trim()));
        }

        return result;
    }

    /// <summary>Specifiers expanded: "%%" to "%"; any other specifier is an error here (kvedge never means one).</summary>
    public static string ExpandSpecifiers(string value)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '%')
            {
                sb.Append(value[i]);
            }
            else if (i + 1 < value.Length && value[i + 1] == '%')
            {
                sb.Append('%');
                i++;
            }
            else
            {
                throw new FormatException($"a specifier %{(i + 1 < value.Length ? value[i + 1] : ' ')} would be expanded by systemd in: {value}");
            }
        }

        return sb.ToString();
    }

    /// <summary>The NAME=VALUE assignments of one Environment= value.</summary>
    public static IReadOnlyList<string> EnvironmentAssignments(string value) => Words(ExpandSpecifiers(value));

    /// <summary>extract_first_word with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE, over the whole value.</summary>
    public static IReadOnlyList<string> Words(string value)
    {
        var words = new List<string>();
        var i = 0;
        while (true)
        {
            while (i < value.Length && value[i] is ' ' or '\t')
            {
                i++;
            }

            if (i >= value.Length)
            {
                return words;
            }

            var word = new StringBuilder();
            char? quote = null;
            for (; i < value.Length; i++)
            {
                var c = value[i];
                if (c == '\\')
                {
                    if (++i >= value.Length)
                    {
                        throw new FormatException($"a trailing backslash in: {value}");
                    }

                    word.Append(value[i] switch
                    {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        '\\' or '"' or '\'' or ' ' => value[i],
                        var other => throw new FormatException($"an escape \\{other} kvedge never writes, in: {value}"),
                    });
                }
                else if (quote is { } q)
                {
                    if (c == q)
                    {
                        quote = null;
                    }
                    else
                    {
                        word.Append(c);
                    }
                }
                else if (c is '"' or '\'')
                {
                    quote = c;
                }
                else if (c is ' ' or '\t')
                {
                    break;
                }
                else
                {
                    word.Append(c);
                }
            }

            if (quote is not null)
            {
                throw new FormatException($"an unterminated quote in: {value}");
            }

            words.Add(word.ToString());
        }
    }
}
