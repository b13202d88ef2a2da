using KVEdge.Core.Diagnostics;
using System.Globalization;

namespace KVEdge.Core.Input;

/// <summary>One step of an override path: a mapping key or a list index.</summary>
public sealed record PathSegment(string? Key, int? Index)
{
    public static IReadOnlyList<PathSegment> Parse(string path)
    {
        var segments = new List<PathSegment>();
        foreach (var part in ValueOverride.SplitTopLevel(path, '.'))
        {
            var rest = part;
            var bracket = ValueOverride.IndexOfUnescaped(rest, '[');
            var key = bracket >= 0 ? rest[..bracket] : rest;
            if (key.Length == 0 && bracket != 0)
            {
                throw new OverrideException($"{DisplayText.Value(path)}: empty path segment");
            }

            if (key.Length > 0)
            {
                segments.Add(new PathSegment(ValueOverride.Unescape(key), null));
            }

            while (bracket >= 0)
            {
                var close = rest.IndexOf(']', bracket);
                if (close < 0 || !int.TryParse(rest[(bracket + 1)..close], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    throw new OverrideException($"{DisplayText.Value(path)}: list index must be [N] with N >= 0");
                }

                segments.Add(new PathSegment(null, index));
                rest = rest[(close + 1)..];
                bracket = rest.Length > 0 && rest[0] == '[' ? 0 : -1;
                if (bracket < 0 && rest.Length > 0)
                {
                    throw new OverrideException($"{DisplayText.Value(path)}: unexpected {DisplayText.Value(rest)} after a list index");
                }
            }
        }

        if (segments.Count == 0 || segments[0].Key is null)
        {
            throw new OverrideException($"{DisplayText.Value(path)}: a path starts with a field name");
        }

        return segments;
    }
}
