using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// Label selectors (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors):
/// =, ==, !=, in, notin, exists and !exists; and the field selectors metadata.name / metadata.namespace
/// (https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/).
/// </summary>
public static partial class Selectors
{
    public static Func<JsonObject, bool> Parse(string? labelSelector, string? fieldSelector)
    {
        var tests = new List<Func<JsonObject, bool>>();
        foreach (var requirement in SplitRequirements(labelSelector))
        {
            tests.Add(ParseLabel(requirement));
        }

        foreach (var requirement in SplitRequirements(fieldSelector))
        {
            tests.Add(ParseField(requirement));
        }

        return obj => tests.All(t => t(obj));
    }

    private static IEnumerable<string> SplitRequirements(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            yield break;
        }

        var depth = 0;
        var start = 0;
        for (var i = 0; i < selector.Length; i++)
        {
            switch (selector[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return selector[start..i].Trim();
                    start = i + 1;
                    break;
            }
        }

        yield return selector[start..].Trim();
    }

    private static Func<JsonObject, bool> ParseLabel(string requirement)
    {
        string? Label(JsonObject o, string key) => o["metadata"]?["labels"]?[key]?.GetValue<string>();

        var set = SetRequirement().Match(requirement);
        if (set.Success)
        {
            var key = set.Groups[1].Value;
            var values = set.Groups[3].Value.Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
            var notIn = set.Groups[2].Value == "notin";
            return o => Label(o, key) is { } v ? values.Contains(v) != notIn : notIn;
        }

        if (requirement.StartsWith('!'))
        {
            var key = requirement[1..].Trim();
            return o => Label(o, key) is null;
        }

        foreach (var op in new[] { "!=", "==", "=" })
        {
            var at = requirement.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var key = requirement[..at].Trim();
                var value = requirement[(at + op.Length)..].Trim();
                return op == "!=" ? o => Label(o, key) != value : o => Label(o, key) == value;
            }
        }

        if (!LabelKey().IsMatch(requirement))
        {
            throw ApiError.BadRequest($"unable to parse requirement: {requirement}");
        }

        return o => Label(o, requirement) is not null;
    }

    private static Func<JsonObject, bool> ParseField(string requirement)
    {
        var negate = requirement.Contains("!=", StringComparison.Ordinal);
        var parts = requirement.Split(negate ? "!=" : requirement.Contains("==", StringComparison.Ordinal) ? "==" : "=", 2);
        if (parts.Length != 2)
        {
            throw ApiError.BadRequest($"invalid field selector: {requirement}");
        }

        var field = parts[0].Trim();
        var value = parts[1].Trim();
        Func<JsonObject, string?> read = field switch
        {
            "metadata.name" => o => o["metadata"]?["name"]?.GetValue<string>(),
            "metadata.namespace" => o => o["metadata"]?["namespace"]?.GetValue<string>(),
            _ => throw ApiError.BadRequest($"field label not supported: {field}"),
        };
        return negate ? o => read(o) != value : o => read(o) == value;
    }

    [GeneratedRegex(@"^([A-Za-z0-9./_-]+)\s+(in|notin)\s+\((.*)\)$")]
    private static partial Regex SetRequirement();

    [GeneratedRegex(@"^[A-Za-z0-9./_-]+$")]
    private static partial Regex LabelKey();
}
