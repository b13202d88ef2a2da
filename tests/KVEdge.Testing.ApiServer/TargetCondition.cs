using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// The part of IoT Hub's deployment targetCondition grammar the hub double evaluates: <c>tags.a.b='v'</c> and
/// <c>deviceId='v'</c> comparisons joined by <c>and</c>, values in single quotes with <c>''</c> for a quote
/// (learn iot-edge module-deployment-monitoring @c8cbb95). Anything else does not parse, so the double refuses it.
/// </summary>
public static class TargetCondition
{
    public static bool TryParse(string text, out List<(string[] Path, string Value)> terms)
    {
        terms = [];
        var i = 0;
        while (true)
        {
            SkipSpaces(text, ref i);
            var start = i;
            while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '.' or '_' or '-' or '$'))
            {
                i++;
            }

            var path = text[start..i].Split('.');
            if (path is not (["deviceId"] or ["tags", _, ..]) || path.Any(p => p.Length == 0))
            {
                return false;
            }

            SkipSpaces(text, ref i);
            if (i >= text.Length || text[i] != '=')
            {
                return false;
            }

            i++;
            SkipSpaces(text, ref i);
            if (i >= text.Length || text[i] != '\'')
            {
                return false;
            }

            var value = new System.Text.StringBuilder();
            for (i++; ; i++)
            {
                if (i >= text.Length)
                {
                    return false;
                }

                if (text[i] == '\'')
                {
                    if (i + 1 < text.Length && text[i + 1] == '\'')
                    {
                        value.Append('\'');
                        i++;
                        continue;
                    }

                    i++;
                    break;
                }

                value.Append(text[i]);
            }

            terms.Add((path, value.ToString()));
            SkipSpaces(text, ref i);
            if (i == text.Length)
            {
                return true;
            }

            if (i + 3 > text.Length || !text.AsSpan(i, 3).Equals("and", StringComparison.OrdinalIgnoreCase) || i + 3 == text.Length || text[i + 3] != ' ')
            {
                return false;
            }

            i += 3;
        }
    }

    /// <summary>Whether the twin meets the condition (which must parse).</summary>
    public static bool Matches(string condition, JsonObject twin)
    {
        if (!TryParse(condition, out var terms))
        {
            return false;
        }

        return terms.All(t =>
        {
            JsonNode? node = twin;
            foreach (var part in t.Path)
            {
                node = node is JsonObject o ? o[part] : null;
            }

            return node is JsonValue v && v.TryGetValue<string>(out var s) && s == t.Value;
        });
    }

    private static void SkipSpaces(string text, ref int i)
    {
        while (i < text.Length && text[i] == ' ')
        {
            i++;
        }
    }
}
