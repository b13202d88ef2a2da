using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

public class ValidateCommandTests
{
    [Fact]
    public void Valid_fleet_gets_a_verdict_per_device_and_exit_0()
    {
        var (code, c) = TestConsole.Run("validate", "-f", Path.Combine(RepoPaths.Examples, "fleet.yaml"));
        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("", c.Out);
        foreach (var device in new[] { "factory-a/press-01", "factory-a/press-02", "factory-b/paint-01", "lab/lab-ephemeral" })
        {
            Assert.Matches($"{device} .* valid", c.Err);
        }
    }

    /// <summary>The whole human output for a fleet with problems, compared with a golden file.</summary>
    [Fact]
    public void Mixed_fleet_output_matches_golden()
    {
        var fleet = Path.Combine(RepoPaths.TestData, "cli", "mixed-fleet.yaml");
        var (code, c) = TestConsole.RunWithInput(File.ReadAllText(fleet), "validate", "-f", "-");
        Assert.Equal(ExitCodes.InvalidInput, code);
        var actual = c.Err;
        var golden = Path.Combine(RepoPaths.TestData, "golden", "cli", "validate-mixed-fleet.txt");
        Golden.AssertMatches(golden, actual);
    }
}
