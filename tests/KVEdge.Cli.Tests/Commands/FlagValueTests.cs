namespace KVEdge.Cli.Tests.Commands;

/// <summary>
/// A flag's value that is not of its type gets the flag, the value (escaped, bounded) and what it should be, exit 2:
/// not System.CommandLine's .NET type name ("System.Nullable`1[System.Int32]") and not an unhandled exception.
/// </summary>
public class FlagValueTests
{
    [Theory]
    [InlineData(new[] { "logs", "edge-01", "--tail", "abc" }, "--tail: \"abc\" is not a whole number")]
    [InlineData(new[] { "install", "-f", "x.yaml", "--concurrency", "1\u001b[2J" }, "--concurrency: \"1\\x1b[2J\" is not a whole number")]
    [InlineData(new[] { "uninstall", "-f", "x.yaml", "--concurrency", "many" }, "--concurrency: \"many\" is not a whole number")]
    [InlineData(new[] { "install", "-f", "x.yaml", "--concurrency", "0" }, "--concurrency 0: must be between 1 and 256")]
    public void A_value_of_the_wrong_type_is_named_plainly(string[] args, string said)
    {
        var (code, console) = TestConsole.Run(args);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains(said, console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", console.Err, StringComparison.Ordinal);
        Assert.Empty(console.Out);
    }
}
