using KVEdge.Core.Actions;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Validation;

/// <summary>
/// Every file in tests/testdata/invalid starts with "# expect: PATH RULE" (PATH "-" for a whole-document error).
/// Each must be rejected with exactly that field path and rule, and nothing rendered.
/// </summary>
public class InvalidCorpusTests
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(Path.Combine(RepoPaths.TestData, "invalid"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(f));
        }

        return data;
    }

    public static (string Path, string Rule) Expectation(string file)
    {
        var first = File.ReadLines(file).First();
        var text = first["# expect: ".Length..];
        var cut = text.LastIndexOf(' ');
        var path = text[..cut];
        return (path == "-" ? "" : path, text[(cut + 1)..]);
    }

    [Fact]
    public void Corpus_has_at_least_sixty_cases() => Assert.True(Cases().Count >= 60, $"only {Cases().Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_malformed_input_is_rejected_at_its_field(string name)
    {
        var file = Path.Combine(RepoPaths.TestData, "invalid", name);
        var (path, rule) = Expectation(file);

        var result = TemplateAction.Run([new InputFile(file, File.ReadAllText(file))], [], "default");

        Assert.Empty(result.Devices);
        var errors = result.Diagnostics.Items.Where(d => d.Severity == Severity.Error).ToList();
        Assert.Contains(errors, d => d.Path == path && d.Rule == rule);
        Assert.All(errors, d => Assert.Equal(file, d.Location.File));
    }
}
