using System.Globalization;
using System.Text;

namespace KVEdge.Core.Diagnostics;

/// <summary>
/// How a value taken from input is shown in a message: control characters escaped (an ESC or BEL in a spec must not
/// reach the terminal as one), and long values cut, with their length, so one bad 20 MiB value cannot flood the output.
/// Never use it for a credential: those are named, not shown.
/// </summary>
public static class DisplayText
{
    public const int MaxValueLength = 80;

    /// <summary>The value in double quotes, escaped, cut to <see cref="MaxValueLength"/> characters.</summary>
    public static string Quote(string value)
    {
        var shown = value.Length > MaxValueLength ? value[..MaxValueLength] : value;
        var quoted = "\"" + Escape(shown).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        return value.Length > MaxValueLength
            ? $"{quoted}... ({value.Length.ToString(CultureInfo.InvariantCulture)} characters)"
            : quoted;
    }

    /// <summary>
    /// A value from input as validation messages show it: in single quotes, escaped and cut like <see cref="Quote"/>;
    /// a value that looks like a credential (a key, a connection string, a PEM block, a SAS token) is named, never shown,
    /// whatever field it was given in: a key pasted into the wrong field is still a key.
    /// </summary>
    public static string Value(string? value)
    {
        value ??= "";
        if (LooksLikeCredential(value))
        {
            return $"a value that looks like a credential ({value.Length.ToString(CultureInfo.InvariantCulture)} characters, not shown)";
        }

        var shown = value.Length > MaxValueLength ? value[..MaxValueLength] : value;
        var quoted = "'" + Escape(shown) + "'";
        return value.Length > MaxValueLength
            ? $"{quoted}... ({value.Length.ToString(CultureInfo.InvariantCulture)} characters)"
            : quoted;
    }

    /// <summary>
    /// What a credential looks like: a PEM block or PuTTY key, an IoT Hub / DPS connection string or SAS token, or a
    /// base64 run of 32 bytes or more with no other text (the shape of IoT Hub and DPS symmetric keys).
    /// </summary>
    public static bool LooksLikeCredential(string value)
    {
        if (value.Contains("-----BEGIN", StringComparison.Ordinal) || value.Contains("PRIVATE KEY", StringComparison.Ordinal)
            || value.Contains("PuTTY-User-Key-File", StringComparison.Ordinal)
            || value.Contains("SharedAccessKey", StringComparison.OrdinalIgnoreCase)
            || value.Contains("SharedAccessSignature", StringComparison.OrdinalIgnoreCase)
            || value.Contains("sig=", StringComparison.Ordinal) && value.Contains("se=", StringComparison.Ordinal))
        {
            return true;
        }

        var trimmed = value.Trim();
        return trimmed.Length >= 43 && trimmed.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or '-' or '_')
            && trimmed.Any(char.IsAsciiDigit) && trimmed.Any(char.IsAsciiLetterUpper) && trimmed.Any(char.IsAsciiLetterLower);
    }

    /// <summary>Control characters as C escapes (\n, \t, \x1b, \u0085); everything else as it is.</summary>
    public static string Escape(string text)
    {
        if (!text.Any(IsControl))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\n' => sb.Append("\\n"),
                '\r' => sb.Append("\\r"),
                '\t' => sb.Append("\\t"),
                _ when c < 0x20 || c == 0x7f => sb.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)),
                _ when IsControl(c) => sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }

    // C0, DEL, C1 (0x80-0x9f: 0x9b is a one-byte CSI on some terminals), the bidirectional embeddings, overrides,
    // isolates and marks that can make a message read differently from what it says (U+061C, U+200E-U+200F,
    // U+202A-U+202E, U+2066-U+2069), the zero-width characters that hide text (U+200B-U+200D, U+2060-U+2064, U+FEFF),
    // and the Unicode line and paragraph separators (U+2028, U+2029).
    private static bool IsControl(char c) =>
        c < 0x20 || (c >= 0x7f && c <= 0x9f) || c is '\u061c' || (c >= '\u200b' && c <= '\u200f') || (c >= '\u2028' && c <= '\u202e')
        || (c >= '\u2060' && c <= '\u2064') || (c >= '\u2066' && c <= '\u2069') || c is '\ufeff';
}
