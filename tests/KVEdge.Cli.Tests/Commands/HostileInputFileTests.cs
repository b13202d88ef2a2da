using System.Diagnostics;
using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>Input that is not a spec at all (a device file, a huge file, binary, an alias bomb) gets a clear exit 2 in bounded time and memory.</summary>
public sealed class HostileInputFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kvedge-cli-hostile-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Dev_zero_is_refused_at_once_as_binary()
    {
        var started = Stopwatch.StartNew();
        var (code, console) = TestConsole.Run("validate", "-f", "/dev/zero");
        Assert.Equal(2, code);
        Assert.Contains("\"/dev/zero\" holds a NUL byte (at byte 0): it is not a YAML text file", console.Err, StringComparison.Ordinal);
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_file_past_the_size_limit_is_refused_by_name()
    {
        var big = Write("fleet.yaml", [.. Enumerable.Repeat((byte)'#', 33 * 1024 * 1024)]);
        var (code, console) = TestConsole.Run("template", "-f", big);
        Assert.Equal(2, code);
        Assert.Contains("fleet.yaml\" is larger than 32 MiB, the limit for an input file", console.Err, StringComparison.Ordinal);
        Assert.Empty(console.Out);
        Assert.True(console.Err.Length < 1000);
    }

    [Fact]
    public void Text_that_is_not_UTF8_is_refused()
    {
        var latin1 = Write("latin1.yaml", [.. "apiVersion: kvedge.io/v1alpha1\n# caf"u8.ToArray(), 0xE9, (byte)'\n']);
        var (code, console) = TestConsole.Run("validate", "-f", latin1);
        Assert.Equal(2, code);
        Assert.Contains("latin1.yaml\" is not UTF-8 text (an invalid byte at", console.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_billion_laughs_document_is_refused_quickly()
    {
        var bomb = new System.Text.StringBuilder("apiVersion: kvedge.io/v1alpha1\nkind: EdgeDevice\nmetadata: {name: edge-01}\nspec:\n  x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 10; i++)
        {
            bomb.Append($"  x{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n");
        }

        var started = Stopwatch.StartNew();
        var (code, console) = TestConsole.RunWithInput(bomb.ToString(), "validate", "-f", "-");
        Assert.Equal(2, code);
        Assert.Contains("its aliases expand to more than 100000 nodes", console.Err, StringComparison.Ordinal);
        Assert.Contains("[rule: yaml-aliases]", console.Err, StringComparison.Ordinal);
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(30_000, true)]
    [InlineData(50_000, true)]
    [InlineData(200, false)]
    public void Nesting_past_the_depth_limit_is_refused_before_the_document_is_built(int depth, bool flow)
    {
        // 50,000 levels ended the process with a stack overflow; 30,000 were blamed on aliases.
        var nested = flow
            ? "spec:\n  x: " + new string('[', depth) + new string(']', depth) + "\n"
            : "spec:\n" + string.Concat(Enumerable.Range(1, depth).Select(i => new string(' ', i) + "- \n")).TrimEnd() + " x\n";
        var (code, console) = TestConsole.RunWithInput("apiVersion: kvedge.io/v1alpha1\nkind: EdgeDevice\nmetadata: {name: edge-01}\n" + nested, "validate", "-f", "-");
        Assert.Equal(2, code);
        Assert.Contains("nest more than 64 deep here; a spec needs no such nesting", console.Err, StringComparison.Ordinal);
        Assert.Contains("[rule: yaml-depth]", console.Err, StringComparison.Ordinal);
        Assert.True(console.Err.Length < 1000, console.Err[..Math.Min(1000, console.Err.Length)]);
    }

    [Fact]
    public void A_set_path_deeper_or_longer_than_any_field_is_refused_unechoed()
    {
        var deep = "spec." + string.Join(".", Enumerable.Repeat("a", 60_000)) + "=1";
        var (code, console) = TestConsole.Run("validate", "-f", Path.Combine(RepoPaths.Examples, "minimal.yaml"), "--set", deep);
        Assert.Equal(2, code);
        Assert.Contains("--set: a path of 120004 character(s) and 60001 level(s) (not shown) is longer or deeper than any field of the spec", console.Err, StringComparison.Ordinal);
        Assert.True(console.Err.Length < 1000);
    }

    [Theory]
    [InlineData("/dev/zero", "kubeconfig /dev/zero is a character device, not a file; not a kubeconfig")]
    [InlineData("deep", "nests more than 64 deep; it is not a kubeconfig")]
    public void A_kubeconfig_that_is_a_device_or_nests_endlessly_is_refused_at_once(string kubeconfig, string said)
    {
        if (kubeconfig == "deep")
        {
            kubeconfig = Write("deep-kubeconfig", System.Text.Encoding.UTF8.GetBytes("clusters: " + new string('[', 50_000) + new string(']', 50_000) + "\n"));
        }

        var (code, console) = TestConsole.Run("status", "--kubeconfig", kubeconfig);
        Assert.Equal(3, code);
        Assert.Contains(said, console.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_few_aliases_are_still_fine()
    {
        var spec = Specs.Minimal("edge-01", "placement: {nodeSelector: &l {line: '7'}}\nexpose: {annotations: *l}");
        var (code, console) = TestConsole.RunWithInput(spec, "validate", "-f", "-");
        Assert.True(code == 0, console.Err);
    }

    [Fact]
    public void A_leading_tilde_in_set_file_is_the_home_folder_as_the_readme_writes_it()
    {
        var home = Environment.GetEnvironmentVariable("HOME")!;
        var dir = Path.Combine(home, ".kvedge-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "id_ed25519.pub"), TestKeys.Ed25519 + "\n");
            var relative = "~/" + Path.GetRelativePath(home, Path.Combine(dir, "id_ed25519.pub"));
            var spec = Write("edge.yaml", System.Text.Encoding.UTF8.GetBytes(Specs.Minimal("edge-01")));
            var (code, console) = TestConsole.Run("validate", "-f", spec, "--set-file", $"spec.ssh.authorizedKeys[0]={relative}");
            Assert.True(code == 0, console.Err);

            // The file it read was the one under the home folder: without it, the message names that path.
            File.Delete(Path.Combine(dir, "id_ed25519.pub"));
            var (missing, error) = TestConsole.Run("validate", "-f", spec, "--set-file", $"spec.ssh.authorizedKeys[0]={relative}");
            Assert.Equal(2, missing);
            Assert.Contains($"cannot read \"{Path.Combine(dir, "id_ed25519.pub")}\"", error.Err, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
