using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Files;

/// <summary>
/// Writes JSON-shaped data as block YAML in kubectl's layout. Rendering is on the hot path of a fleet
/// (thousands of objects), and a general-purpose emitter spent most of a run warming up, so this writes the small
/// subset needed directly: a string is plain only when every YAML 1.1 reader (sigs.k8s.io/yaml, cloud-init's PyYAML)
/// must read it back as that same string; otherwise it is written as a JSON string, which is valid double-quoted YAML.
/// Multi-line strings become literal blocks. The round trip is checked by tests with YamlDotNet's parser.
/// It reads and writes UTF-8 throughout: a fleet's output is tens of megabytes, and decoding every JSON string into a
/// .NET string and encoding the YAML back was most of its allocations (and so of its garbage collections).
/// </summary>
public static class YamlWriter
{
    // YAML 1.1 booleans and nulls: a plain scalar spelled like one of these is read back as another type.
    private static readonly byte[][] Reserved =
    [
        .. new[]
        {
            "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
            "on", "On", "ON", "off", "Off", "OFF", "~", "null", "Null", "NULL", "=", "<<",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    // Quoted strings are written by System.Text.Json's own escaper (the default encoder: ASCII only, so the output
    // never depends on how a reader decodes it); one writer per thread, pointed at each output in turn.
    [ThreadStatic]
    private static Utf8JsonWriter? _quoter;

    /// <summary>Appends the YAML for one JSON value given as UTF-8 bytes; streams, so no document tree is built.</summary>
    public static void Write(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    Put(output, "{}\n"u8);
                }
                else
                {
                    WriteMapping(ref reader, output, 0);
                }

                break;
            case JsonTokenType.StartArray:
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndArray)
                {
                    Put(output, "[]\n"u8);
                }
                else
                {
                    WriteSequence(ref reader, output, 0);
                }

                break;
            default:
                WriteScalar(ref reader, output, 0);
                Put(output, (byte)'\n');
                break;
        }
    }

    public static string Write(JsonNode node)
    {
        var output = new ArrayBufferWriter<byte>();
        Write(output, JsonSerializer.SerializeToUtf8Bytes(node, JsonContext.Default.JsonNode));
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    // On entry the reader is at the first property name; on exit, at the mapping's EndObject.
    private static void WriteMapping(ref Utf8JsonReader reader, ArrayBufferWriter<byte> output, int indent)
    {
        var first = true;
        while (reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!first)
            {
                Spaces(output, indent);
            }

            first = false;
            WriteString(ref reader, output, indent, allowLiteral: false);
            Put(output, (byte)':');
            reader.Read();
            WriteValue(ref reader, output, indent, inSequence: false);
            reader.Read();
        }
    }

    // On entry the reader is at the first item; on exit, at the sequence's EndArray.
    private static void WriteSequence(ref Utf8JsonReader reader, ArrayBufferWriter<byte> output, int indent)
    {
        var first = true;
        while (reader.TokenType != JsonTokenType.EndArray)
        {
            if (!first)
            {
                Spaces(output, indent);
            }

            first = false;
            Put(output, (byte)'-');
            WriteValue(ref reader, output, indent, inSequence: true);
            reader.Read();
        }
    }

    // Writes what follows "key:" or "-": a nested block on the next lines, or a scalar on this line.
    private static void WriteValue(ref Utf8JsonReader reader, ArrayBufferWriter<byte> output, int indent, bool inSequence)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                Put(output, " {}\n"u8);
            }
            else if (inSequence)
            {
                // "- key: v" continues on the dash's line, its siblings two columns in.
                Put(output, (byte)' ');
                WriteMapping(ref reader, output, indent + 2);
            }
            else
            {
                Put(output, (byte)'\n');
                Spaces(output, indent + 2);
                WriteMapping(ref reader, output, indent + 2);
            }

            return;
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                Put(output, " []\n"u8);
                return;
            }

            if (inSequence)
            {
                // A list in a list continues on the dash's line: "- - x".
                Put(output, (byte)' ');
                WriteSequence(ref reader, output, indent + 2);
            }
            else
            {
                // kubectl style: a list under a key sits at the key's own column.
                Put(output, (byte)'\n');
                Spaces(output, indent);
                WriteSequence(ref reader, output, indent);
            }

            return;
        }

        Put(output, (byte)' ');
        WriteScalar(ref reader, output, indent + 2);
        Put(output, (byte)'\n');
    }

    private static void WriteScalar(ref Utf8JsonReader reader, ArrayBufferWriter<byte> output, int blockIndent)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String when !reader.ValueIsEscaped && LongStrings.TryResolve(reader.ValueSpan, out var value):
                Put(output, LongStrings.YamlFor(value, blockIndent, static (v, indent) =>
                {
                    var yaml = new ArrayBufferWriter<byte>(v.Length + 1024);
                    WriteString(yaml, Encoding.UTF8.GetBytes(v), indent, allowLiteral: true);
                    return yaml.WrittenSpan.ToArray();
                }));
                break;
            case JsonTokenType.String:
                WriteString(ref reader, output, blockIndent, allowLiteral: true);
                break;
            case JsonTokenType.Number:
                Put(output, reader.ValueSpan);
                break;
            case JsonTokenType.True:
                Put(output, "true"u8);
                break;
            case JsonTokenType.False:
                Put(output, "false"u8);
                break;
            default:
                Put(output, "null"u8);
                break;
        }
    }

    // The reader is at a string (a value or a property name); its UTF-8 text is read without making a .NET string.
    private static void WriteString(ref Utf8JsonReader reader, ArrayBufferWriter<byte> output, int blockIndent, bool allowLiteral)
    {
        if (!reader.ValueIsEscaped)
        {
            WriteString(output, reader.ValueSpan, blockIndent, allowLiteral);
            return;
        }

        // Unescaped text is never longer than its escaped form.
        var buffer = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
        try
        {
            var length = reader.CopyString(buffer);
            WriteString(output, buffer.AsSpan(0, length), blockIndent, allowLiteral);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void WriteString(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> value, int blockIndent, bool allowLiteral)
    {
        if (IsPlain(value))
        {
            Put(output, value);
            return;
        }

        if (allowLiteral && LiteralSafe(value))
        {
            // "|" keeps exactly one final newline, "|-" none; the text sits one level deeper than its key.
            var keepFinal = value[^1] == '\n';
            Put(output, keepFinal ? "|"u8 : "|-"u8);
            if (keepFinal)
            {
                value = value[..^1];
            }

            while (true)
            {
                var end = value.IndexOf((byte)'\n');
                var line = end < 0 ? value : value[..end];
                Put(output, (byte)'\n');
                if (line.Length > 0)
                {
                    Spaces(output, blockIndent);
                    Put(output, line);
                }

                if (end < 0)
                {
                    break;
                }

                value = value[(end + 1)..];
            }

            return;
        }

        // Relaxed: a quote, '<' or '&' stays itself (YAML needs only \" and \\ and control characters escaped in a double-quoted
        // scalar), so a shell line or a CEL rule reads as written.
        var quoter = _quoter ??= new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        quoter.Reset(output);
        quoter.WriteStringValue(value);
        quoter.Flush();
    }

    /// <summary>
    /// True when the string can be written without quotes and read back as the same string: it starts with a letter,
    /// digit, '_' or '/', is not number- or date-shaped, uses only characters that are never YAML indicators here,
    /// and has no ": " or " #" inside. Anything else is quoted; over-quoting is harmless, under-quoting is not.
    /// </summary>
    private static bool IsPlain(ReadOnlySpan<byte> s)
    {
        if (s.Length == 0 || s[^1] is (byte)' ' or (byte)':' || IsReserved(s))
        {
            return false;
        }

        var c0 = s[0];
        if (char.IsAsciiDigit((char)c0) || !(char.IsAsciiLetter((char)c0) || c0 is (byte)'_' or (byte)'/'))
        {
            return false;
        }

        // Every allowed character is ASCII, so a byte of a multi-byte UTF-8 sequence (0x80 and up) is never plain.
        for (var i = 0; i < s.Length; i++)
        {
            var c = (char)s[i];
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

    private static bool IsReserved(ReadOnlySpan<byte> s)
    {
        if (s.Length > 5)
        {
            return false;
        }

        foreach (var word in Reserved)
        {
            if (s.SequenceEqual(word))
            {
                return true;
            }
        }

        return false;
    }

    // U+2028 and U+2029 (E2 80 A8/A9) are line breaks to YAML 1.1 readers (libyaml, PyYAML, go-yaml v2 and kubectl's
    // sigs.k8s.io/yaml through it): raw inside a literal block they end its line there, so the rest of the value is read
    // as YAML of its own (a key, a new object). U+FEFF (EF BB BF), a byte-order mark, and the noncharacters U+FFFE and
    // U+FFFF (EF BF BE/BF) are not printable in a YAML stream. (U+0085, NEL, is C2 85: a C1 control above.) All of them
    // go double-quoted, where System.Text.Json's escaper writes them as \uXXXX.
    private static bool IsBreakOrSpecial(ReadOnlySpan<byte> s) =>
        s.Length >= 3 && ((s[0] == 0xE2 && s[1] == 0x80 && s[2] is 0xA8 or 0xA9) || (s[0] == 0xEF && ((s[1] == 0xBB && s[2] == 0xBF) || (s[1] == 0xBF && s[2] is 0xBE or 0xBF))));

    // A literal block cannot hold carriage returns, trailing blanks, a leading blank on its first line,
    // or more than one final newline; such strings stay double-quoted. Control characters are those of char.IsControl:
    // U+0000-U+001F and U+007F-U+009F (in UTF-8, 0xC2 0x80-0x9F).
    private static bool LiteralSafe(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty || s[0] is (byte)' ' or (byte)'\t' || s.EndsWith("\n\n"u8))
        {
            return false;
        }

        var hasNewline = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\n')
            {
                // A blank or tab before a line break is a trailing blank of that line.
                if (i > 0 && s[i - 1] is (byte)' ' or (byte)'\t')
                {
                    return false;
                }

                hasNewline = true;
            }
            else if ((c < 0x20 && c != '\t') || c == 0x7F || (c == 0xC2 && i + 1 < s.Length && s[i + 1] is >= 0x80 and <= 0x9F)
                || (c is 0xE2 or 0xEF && IsBreakOrSpecial(s[i..])))
            {
                return false;
            }
        }

        return hasNewline && s[^1] is not ((byte)' ' or (byte)'\t');
    }

    private static void Put(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    private static void Put(ArrayBufferWriter<byte> output, byte b)
    {
        output.GetSpan(1)[0] = b;
        output.Advance(1);
    }

    private static void Spaces(ArrayBufferWriter<byte> output, int count)
    {
        output.GetSpan(count)[..count].Fill((byte)' ');
        output.Advance(count);
    }
}
