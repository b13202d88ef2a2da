using System.Reflection;
using System.Text.RegularExpressions;

namespace KVEdge.Testing;

/// <summary>The anchored patterns an assembly holds (pattern constants and [GeneratedRegex]), and the `\z` rule for them.</summary>
public static class AnchoredPatterns
{
    public static IEnumerable<(string Where, string Pattern)> In(Assembly assembly)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;
        foreach (var type in assembly.GetTypes())
        {
            foreach (var field in type.GetFields(All).Where(f => f.IsLiteral && f.FieldType == typeof(string) && f.Name.EndsWith("Pattern", StringComparison.Ordinal)))
            {
                yield return ($"{type.Name}.{field.Name}", (string)field.GetRawConstantValue()!);
            }

            foreach (var method in type.GetMethods(All))
            {
                if (method.GetCustomAttribute<GeneratedRegexAttribute>() is { } generated)
                {
                    yield return ($"{type.Name}.{method.Name}", generated.Pattern);
                }
            }
        }
    }

    /// <summary>The pattern ends with `\z` (no `$` anchor anywhere) and no sample it accepts is accepted with "\n" added.</summary>
    public static void AssertRefusesTrailingNewline(string where, string pattern, IEnumerable<string> samples)
    {
        Assert.True(pattern.EndsWith("\\z", StringComparison.Ordinal) && !Regex.IsMatch(pattern, @"(?<!\\)\$(\||\)|$)"),
            $"{where}: {pattern} is not anchored with \\z");
        var regex = new Regex(pattern);
        var matching = samples.Where(s => regex.IsMatch(s)).ToList();
        Assert.True(matching.Count > 0, $"{where}: no sample matches {pattern}; add one");
        foreach (var sample in matching)
        {
            Assert.False(regex.IsMatch(sample + "\n"), $"{where}: {pattern} accepts {sample} plus a newline");
        }
    }
}
