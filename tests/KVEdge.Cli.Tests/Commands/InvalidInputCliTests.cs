using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>The malformed corpus through the real command line: exit 2, the exact field path, nothing on stdout, no stack trace.</summary>
public class InvalidInputCliTests
{
    public static TheoryData<string> Cases() => new(MalformedCorpus.Names);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Template_and_validate_reject_each_case(string name)
    {
        var m = MalformedCorpus.Get(name);
        var flags = m.Sets.SelectMany(s => new[] { "--set", s }).Concat(m.SetFiles.SelectMany(f => new[] { "--set-file", $"{f.Path}={f.File}" })).ToArray();
        foreach (var verb in new[] { "template", "validate" })
        {
            var (code, c) = TestConsole.RunWith("", m.Env, [verb, "-f", m.File, .. flags]);
            Assert.Equal(ExitCodes.InvalidInput, code);
            Assert.Equal("", c.Out);
            Assert.Contains(m.File, c.Err, StringComparison.Ordinal);
            Assert.Contains($"{(m.Path == "" ? "(document)" : m.Path)}: ", c.Err, StringComparison.Ordinal);
            Assert.Contains($"[rule: {m.Rule}]", c.Err, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", c.Err, StringComparison.Ordinal);

            foreach (var part in m.GivenValues.Where(KVEdge.Core.Diagnostics.DisplayText.LooksLikeCredential).SelectMany(MalformedCase.SecretParts))
            {
                Assert.DoesNotContain(part, c.Err + c.Out, StringComparison.Ordinal);
            }

            // Nothing from input reaches the terminal as a control character (the newline ends a line; nothing else).
            Assert.DoesNotContain(c.Err, ch => ch < 0x20 && ch != '\n' || ch is >= '\x7f' and <= '\x9f' || ch is >= '\u202a' and <= '\u202e');
        }
    }

    [Fact]
    public void A_pasted_private_key_is_never_echoed()
    {
        var pem = TestKeys.PrivateKeyPem();
        var spec = Specs.Minimal().Replace(TestKeys.Ed25519, pem.ReplaceLineEndings("\\n"), StringComparison.Ordinal);
        var (code, c) = TestConsole.RunWithInput(spec, "template", "-f", "-");
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("this is a private key", c.Err, StringComparison.Ordinal);
        foreach (var line in pem.Split('\n').Where(l => l.Length > 16 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line[..16], c.Err + c.Out, StringComparison.Ordinal);
        }
    }
}
