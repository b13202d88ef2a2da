using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>
/// -n/--namespace is an RFC 1123 label wherever it is accepted, as the API server requires: a value that is a path
/// ("../../x", "/abs") or carries a control character is refused before anything is written or sent.
/// </summary>
public sealed class NamespaceFlagTests : IAsyncLifetime
{
    private ContractCluster _cluster = null!;
    private string _folder = null!;
    private string _spec = null!;

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _folder = Directory.CreateTempSubdirectory("kvedge-cli-ns-").FullName;
        _spec = Path.Combine(_folder, "edge-01.yaml");
        // No metadata.namespace: -n decides where the device goes.
        File.WriteAllText(_spec, Specs.Minimal("edge-01").Replace("  namespace: factory-a\n", "", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_folder, true);
    }

    public static TheoryData<string> BadNamespaces() => ["../../x", "/abs", "..", "Factory-A", "a_b", "-a", new string('a', 64), "ns\u001b[31m"];

    [Theory]
    [MemberData(nameof(BadNamespaces))]
    public void Template_with_output_dir_refuses_it_and_writes_nowhere(string ns)
    {
        var output = Path.Combine(_folder, "out", "tree");
        var (code, console) = TestConsole.Run("template", "-f", _spec, "-n", ns, "--output-dir", output);
        Assert.Equal(2, code);
        Assert.Contains("-n/--namespace", console.Err, StringComparison.Ordinal);
        Assert.Contains("not a namespace name", console.Err, StringComparison.Ordinal);
        Assert.Empty(console.Out);
        Assert.False(Directory.Exists(Path.Combine(_folder, "out")));
        Assert.False(Directory.Exists("/abs"));
        Assert.DoesNotContain("\u001b", console.Err, StringComparison.Ordinal);
    }

    public static TheoryData<string> BadNames() => ["../../x", "a/b", "..", "Edge-01", "edge_01", "edge-01\n", "edge%2F01", new string('a', 254), "e\u001b[31m"];

    [Theory]
    [MemberData(nameof(BadNames))]
    public void Every_NAME_argument_is_an_object_name_checked_before_any_request(string name)
    {
        // restart '../../x' sent a PUT outside virtualmachines/ before NAME was checked.
        foreach (var args in new[] { new[] { "restart", name }, ["status", name], ["uninstall", name], ["health", name], ["exec", name, "--", "true"], ["logs", name], ["ssh", name, "--print"], ["support-bundle", name, "-o", Path.Combine(_folder, "b.zip")], ["port-forward", name, "2222:22"] })
        {
            _cluster.Server.ResetRequests();
            var (code, console) = TestConsole.RunWith("", new Dictionary<string, string> { ["HOME"] = _folder }, [.. args, "-n", "factory-a", "--kubeconfig", _cluster.Kubeconfig]);
            Assert.True(code == 2, $"{args[0]}: exit {code}\n{console.Err}");
            Assert.Contains("not a device name", console.Err, StringComparison.Ordinal);
            Assert.Empty(_cluster.Server.Requests);
            Assert.DoesNotContain("\u001b", console.Err, StringComparison.Ordinal);
            Assert.True(console.Err.Length < 1000, console.Err);
        }
    }

    [Theory]
    [MemberData(nameof(BadNamespaces))]
    public void Validate_install_and_status_refuse_it_before_any_request(string ns)
    {
        foreach (var args in new[] { new[] { "validate", "-f", _spec }, ["install", "-f", _spec], ["uninstall", "edge-01"], ["status"], ["preflight"] })
        {
            _cluster.Server.ResetRequests();
            var (code, console) = TestConsole.RunWith("", new Dictionary<string, string> { ["HOME"] = _folder }, [.. args, "-n", ns, "--kubeconfig", _cluster.Kubeconfig]);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}\n{console.Err}");
            Assert.Contains("not a namespace name", console.Err, StringComparison.Ordinal);
            Assert.Empty(_cluster.Server.Requests);
        }
    }

    [Fact]
    public void A_control_character_is_shown_escaped_and_a_long_value_cut_with_its_length()
    {
        var (_, escaped) = TestConsole.Run("validate", "-f", _spec, "-n", "bad\u0007ns");
        Assert.Contains("\"bad\\x07ns\"", escaped.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("\u0007", escaped.Err, StringComparison.Ordinal);

        var (_, cut) = TestConsole.Run("validate", "-f", _spec, "-n", new string('x', 5000));
        Assert.Contains($"\"{new string('x', 80)}\"... (5000 characters)", cut.Err, StringComparison.Ordinal);
        Assert.True(cut.Err.Length < 2000, cut.Err.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_good_namespace_still_works()
    {
        var (code, console) = TestConsole.Run("template", "-f", _spec, "-n", "line-7");
        Assert.Equal(0, code);
        Assert.Contains("namespace: line-7", console.Out, StringComparison.Ordinal);
    }
}
