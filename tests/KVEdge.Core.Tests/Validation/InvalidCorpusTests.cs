using KVEdge.Core.Actions;
using KVEdge.Core.Diagnostics;
using KVEdge.Core.Input;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Validation;

/// <summary>
/// Every file in tests/testdata/invalid (see <see cref="MalformedCase"/> for its header) must be rejected with exactly
/// its field path and rule, through the channel it names, with nothing rendered and no credential-looking value given
/// outside the file shown in any message.
/// </summary>
public class InvalidCorpusTests
{
    public static TheoryData<string> Cases() => new(MalformedCorpus.Names);

    [Fact]
    public void Corpus_has_at_least_150_cases_across_every_channel()
    {
        Assert.True(MalformedCorpus.All.Count >= 150, $"only {MalformedCorpus.All.Count} cases");
        foreach (var channel in new[] { "spec", "--set", "--set-file", "env" })
        {
            Assert.True(MalformedCorpus.All.Count(c => c.Channel == channel) >= 5, $"fewer than 5 cases through {channel}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_malformed_input_is_rejected_at_its_field(string name)
    {
        var c = MalformedCorpus.Get(name);
        var overrides = c.Sets.SelectMany(ValueOverride.ParseSet)
            .Concat(c.SetFiles.Select(f => ValueOverride.ParseSetFile($"{f.Path}={f.File}", File.ReadAllText)))
            .ToList();

        var result = TemplateAction.Run([new InputFile(c.File, File.ReadAllText(c.File))], overrides, "default",
            environment: n => c.Env.TryGetValue(n, out var v) ? v : null);

        Assert.Empty(result.Devices);
        var errors = result.Diagnostics.Items.Where(d => d.Severity == Severity.Error).ToList();
        Assert.True(errors.Any(d => d.Path == c.Path && d.Rule == c.Rule),
            $"expected {c.Path} [{c.Rule}], got:\n{string.Join("\n", errors)}");
        Assert.All(errors, d => Assert.Equal(c.File, d.Location.File));
        var shown = string.Join("\n", result.Diagnostics.Items);
        foreach (var part in c.GivenValues.Where(DisplayText.LooksLikeCredential).SelectMany(MalformedCase.SecretParts))
        {
            Assert.DoesNotContain(part, shown, StringComparison.Ordinal);
        }
    }
}
