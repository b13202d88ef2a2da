using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

/// <summary>
/// A metav1.LabelSelector (matchLabels and matchExpressions, ANDed) matched against an object's labels, as
/// apimachinery's LabelSelectorAsSelector does (kubernetes v1.35 staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go):
/// an empty selector matches everything; In and NotIn need values, Exists and DoesNotExist none.
/// </summary>
public static class LabelSelector
{
    /// <summary>Whether <paramref name="labels"/> match; null when the selector is malformed (with why in <paramref name="error"/>).</summary>
    public static bool? Matches(JsonObject? selector, JsonObject? labels, out string? error)
    {
        error = null;
        string? Label(string key) => labels?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (selector is null)
        {
            return true;
        }

        if (selector["matchLabels"] is JsonObject matchLabels)
        {
            foreach (var (key, value) in matchLabels)
            {
                if (value is not JsonValue v || !v.TryGetValue<string>(out var wanted))
                {
                    error = $"matchLabels.{key}: must be a string";
                    return null;
                }

                if (Label(key) != wanted)
                {
                    return false;
                }
            }
        }

        foreach (var (expression, i) in (selector["matchExpressions"] as JsonArray ?? []).Select((e, i) => (e as JsonObject, i)))
        {
            var key = expression?["key"]?.GetValue<string>();
            var op = expression?["operator"]?.GetValue<string>();
            var values = (expression?["values"] as JsonArray)?.Select(v => v?.GetValue<string>()).ToList() ?? [];
            if (key is null || op is null)
            {
                error = $"matchExpressions[{i}]: key and operator are required";
                return null;
            }

            var has = Label(key);
            bool? ok = op switch
            {
                "In" when values.Count > 0 => has is not null && values.Contains(has),
                "NotIn" when values.Count > 0 => has is null || !values.Contains(has),
                "Exists" when values.Count == 0 => has is not null,
                "DoesNotExist" when values.Count == 0 => has is null,
                _ => null,
            };
            if (ok is null)
            {
                error = $"matchExpressions[{i}]: operator {op} " + (op is "In" or "NotIn" ? "needs values" : op is "Exists" or "DoesNotExist" ? "takes no values" : "is not In, NotIn, Exists or DoesNotExist");
                return null;
            }

            if (ok == false)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The selector as its text (apimachinery's FormatLabelSelector: key=value for matchLabels, then key in (a,b),
    /// key notin (a,b), key, !key), for a person and for a list's labelSelector parameter.
    /// </summary>
    public static string Format(JsonObject selector)
    {
        var parts = new List<string>();
        foreach (var (key, value) in (selector["matchLabels"] as JsonObject ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            parts.Add($"{key}={value?.GetValue<string>()}");
        }

        foreach (var expression in (selector["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = expression["key"]?.GetValue<string>();
            var values = string.Join(",", (expression["values"] as JsonArray ?? []).Select(v => v?.GetValue<string>()));
            parts.Add(expression["operator"]?.GetValue<string>() switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "DoesNotExist" => $"!{key}",
                _ => $"{key}",
            });
        }

        return string.Join(",", parts);
    }
}
