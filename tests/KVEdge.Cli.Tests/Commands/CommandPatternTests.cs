using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>The CLI's own patterns (logs MODULE and the like) follow the `\z` rule of the spec's: no trailing newline passes.</summary>
public class CommandPatternTests
{
    public static TheoryData<string, string> Patterns()
    {
        var data = new TheoryData<string, string>();
        foreach (var (where, pattern) in AnchoredPatterns.In(typeof(CliApp).Assembly).Where(p => p.Pattern.StartsWith('^')))
        {
            data.Add(where, pattern);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void Every_anchored_pattern_refuses_a_trailing_newline(string where, string pattern) =>
        AnchoredPatterns.AssertRefusesTrailingNewline(where, pattern, ["edgeHub", "edge-01", "1d", "2026-12-01"]);

    [Fact]
    public void The_clis_patterns_are_found() =>
        Assert.True(Patterns().Count >= 1, "the reflection found not even LogsCommand's module pattern");
}
