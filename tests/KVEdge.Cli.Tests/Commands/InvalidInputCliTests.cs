using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>The malformed corpus through the real command line: exit 2, the exact field path, nothing on stdout, no stack trace.</summary>
public class InvalidInputCliTests
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

    [Theory]
    [MemberData(nameof(Cases))]
    public void Template_and_validate_reject_each_case(string name)
    {
        var file = Path.Combine(RepoPaths.TestData, "invalid", name);
        var text = File.ReadLines(file).First()["# expect: ".Length..];
        var cut = text.LastIndexOf(' ');
        var (path, rule) = (text[..cut], text[(cut + 1)..]);
        foreach (var verb in new[] { "template", "validate" })
        {
            var (code, c) = TestConsole.Run(verb, "-f", file);
            Assert.Equal(ExitCodes.InvalidInput, code);
            Assert.Equal("", c.Out);
            Assert.Contains(file, c.Err, StringComparison.Ordinal);
            Assert.Contains($"{(path == "-" ? "(document)" : path)}: ", c.Err, StringComparison.Ordinal);
            Assert.Contains($"[rule: {rule}]", c.Err, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", c.Err, StringComparison.Ordinal);
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
