using System.Globalization;
using System.Text.RegularExpressions;

namespace KVEdge.Core.Kube;

/// <summary>Durations as kubectl and helm take them: "90s", "10m", "1h30m", "500ms".</summary>
public static partial class GoDuration
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text == "0")
        {
            return true;
        }

        var position = 0;
        foreach (Match m in Part().Matches(text))
        {
            if (m.Index != position)
            {
                return false;
            }

            position += m.Length;
            var number = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            value += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(number),
                "m" => TimeSpan.FromMinutes(number),
                "s" => TimeSpan.FromSeconds(number),
                "ms" => TimeSpan.FromMilliseconds(number),
                _ => TimeSpan.Zero,
            };
        }

        return position == text.Length && position > 0;
    }

    public static string Format(TimeSpan value)
    {
        if (value.TotalSeconds < 1)
        {
            return $"{(int)value.TotalMilliseconds}ms";
        }

        var parts = "";
        if (value.Hours + (value.Days * 24) > 0)
        {
            parts += $"{value.Hours + (value.Days * 24)}h";
        }

        if (value.Minutes > 0)
        {
            parts += $"{value.Minutes}m";
        }

        if (value.Seconds > 0 || parts.Length == 0)
        {
            parts += $"{value.Seconds}s";
        }

        return parts;
    }

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)(ms|h|m|s)")]
    private static partial Regex Part();
}
