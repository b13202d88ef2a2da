using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Output;

/// <summary>
/// Writes JSON-shaped data as block YAML in kubectl's layout. Rendering is on the hot path of a fleet
/// (thousands of objects), and a general-purpose emitter spent most of a run warming up, so this writes the small
/// subset needed directly: a string is plain only when every YAML 1.1 reader (sigs.k8s.io/yaml, cloud-init's PyYAML)
/// must read it back as that same string; otherwise it is written as a JSON string, which is valid double-quoted YAML.
/// Multi-line strings become literal blocks. The round trip is checked by tests with YamlDotNet's parser.
/// </summary>
public static class YamlWriter
{
    // YAML 1.1 booleans and nulls: a plain scalar spelled like one of these is read back as another type.
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", "=", "<<",
    };

    /// <summary>Appends the YAML for one JSON value given as UTF-8 bytes; streams, so no document tree is built.</summary>
    public static void Write(StringBuilder sb, ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    sb.Append("{}\n");
                }
                else
                {
                    WriteMapping(ref reader, sb, 0);
                }

                break;
            case JsonTokenType.StartArray:
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    sb.Append("[]\n");
                }
                else
                {
                    WriteSequence(ref reader, sb, 0);
                }

                break;
            default:
                WriteScalar(ref reader, sb, 0);
                sb.Append('\n');
                break;
        }
    }

    public static string Write(JsonNode node)
    {
        var sb = new StringBuilder();
        Write(sb, JsonSerializer.SerializeToUtf8Bytes(node, JsonContext.Default.JsonNode));
        return sb.ToString();
    }

    // On entry the reader is at the first property name; on exit, at the mapping's EndObject.
    private static void WriteMapping(ref Utf8JsonReader reader, StringBuilder sb, int indent)
    {
        var first = true;
        while (reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!first)
            {
                sb.Append(' ', indent);
            }

            first = false;
            AppendString(sb, reader.GetString()!, indent, allowLiteral: false);
            sb.Append(':');
            reader.Read();
            WriteValue(ref reader, sb, indent, inSequence: false);
            reader.Read();
        }
    }

    // On entry the reader is at the first item; on exit, at the sequence's EndArray.
    private static void WriteSequence(ref Utf8JsonReader reader, StringBuilder sb, int indent)
    {
        var first = true;
        while (reader.TokenType != JsonTokenType.EndArray)
        {
            if (!first)
            {
                sb.Append(' ', indent);
            }

            first = false;
            sb.Append('-');
            WriteValue(ref reader, sb, indent, inSequence: true);
            reader.Read();
        }
    }

    // Writes what follows "key:" or "-": a nested block on the next lines, or a scalar on this line.
    private static void WriteValue(ref Utf8JsonReader reader, StringBuilder sb, int indent, bool inSequence)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                sb.Append(" {}\n");
            }
            else if (inSequence)
            {
                // "- key: v" continues on the dash's line, its siblings two columns in.
                sb.Append(' ');
                WriteMapping(ref reader, sb, indent + 2);
            }
            else
            {
                sb.Append('\n').Append(' ', indent + 2);
                WriteMapping(ref reader, sb, indent + 2);
            }

            return;
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                sb.Append(" []\n");
                return;
            }

            if (inSequence)
            {
                // A list in a list continues on the dash's line: "- - x".
                sb.Append(' ');
                WriteSequence(ref reader, sb, indent + 2);
            }
            else
            {
                // kubectl style: a list under a key sits at the key's own column.
                sb.Append('\n').Append(' ', indent);
                WriteSequence(ref reader, sb, indent);
            }

            return;
        }

        sb.Append(' ');
        WriteScalar(ref reader, sb, indent + 2);
        sb.Append('\n');
    }

    private static void WriteScalar(ref Utf8JsonReader reader, StringBuilder sb, int blockIndent)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                AppendString(sb, reader.GetString()!, blockIndent, allowLiteral: true);
                break;
            case JsonTokenType.Number:
                sb.Append(Encoding.UTF8.GetString(reader.ValueSpan));
                break;
            case JsonTokenType.True:
                sb.Append("true");
                break;
            case JsonTokenType.False:
                sb.Append("false");
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    private static void AppendString(StringBuilder sb, string value, int blockIndent, bool allowLiteral)
    {
        if (IsPlain(value))
        {
            sb.Append(value);
            return;
        }

        if (allowLiteral && LiteralSafe(value))
        {
            // "|" keeps exactly one final newline, "|-" none; the text sits one level deeper than its key.
            sb.Append(value.EndsWith('\n') ? "|" : "|-");
            foreach (var line in value.TrimEnd('\n').Split('\n'))
            {
                sb.Append('\n');
                if (line.Length > 0)
                {
                    sb.Append(' ', blockIndent).Append(line);
                }
            }

            return;
        }

        sb.Append(JsonSerializer.Serialize(value, JsonContext.Default.String));
    }

    /// <summary>
    /// True when the string can be written without quotes and read back as the same string: it starts with a letter,
    /// digit, '_' or '/', is not number- or date-shaped, uses only characters that are never YAML indicators here,
    /// and has no ": " or " #" inside. Anything else is quoted; over-quoting is harmless, under-quoting is not.
    /// </summary>
    internal static bool IsPlain(string s)
    {
        if (s.Length == 0 || s[^1] is ' ' or ':' || Reserved.Contains(s))
        {
            return false;
        }

        var c0 = s[0];
        if (char.IsAsciiDigit(c0) || !(char.IsAsciiLetter(c0) || c0 is '_' or '/'))
        {
            return false;
        }

        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '/' or '@' or '=' or '+' or ',' or '(' or ')' or '%' or '~')
            {
                continue;
            }

            if (c == ':' && s[i + 1] != ' ')
            {
                continue;
            }

            if (c == ' ' && s[i + 1] != '#')
            {
                continue;
            }

            return false;
        }

        return true;
    }

    // A literal block cannot hold carriage returns, trailing blanks, a leading blank on its first line,
    // or more than one final newline; such strings stay double-quoted.
    private static bool LiteralSafe(string s) =>
        s.Contains('\n', StringComparison.Ordinal) && !s.Contains('\r', StringComparison.Ordinal)
        && s[0] is not (' ' or '\t') && !s.EndsWith("\n\n", StringComparison.Ordinal)
        && !s.Split('\n').Any(line => line.EndsWith(' ') || line.EndsWith('\t') || line.Any(c => char.IsControl(c) && c != '\t'));
}
