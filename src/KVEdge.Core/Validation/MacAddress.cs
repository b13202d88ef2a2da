using System.Globalization;

namespace KVEdge.Core.Validation;

public static class MacAddress
{
    /// <summary>Null when the text is a usable unicast MAC in colon form; else the reason.</summary>
    public static string? Check(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 6 || parts.Any(p => p.Length != 2 || !byte.TryParse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out _)))
        {
            return "must be six hex octets separated by ':' (e.g. 02:1a:2b:3c:4d:5e)";
        }

        var first = byte.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if ((first & 0x01) != 0)
        {
            return "must be a unicast address (the lowest bit of the first octet must be 0)";
        }

        return parts.All(p => p == "00") ? "must not be all zeros" : null;
    }
}
