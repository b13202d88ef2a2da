using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Cli.Tests.Release;

/// <summary>
/// The NativeAOT binary scripts/build-native.sh builds (or the one KVEDGE_NATIVE_BIN names), run as a user runs it,
/// without the .NET runtime: every verb that works offline against its golden output, and the cluster verbs through
/// KubernetesClient.Aot against the contract server, so a path that needs reflection at run time fails here.
/// </summary>
[Collection(ReleaseRunsAlone.Name)]
public sealed class NativeBinaryTests : IClassFixture<NativeBinaryTests.Binary>, IAsyncLifetime
{
    private const string ConnectionString = "HostName=hub-a.azure-devices.net;DeviceId=edge-01;SharedAccessKey=c2VjcmV0LWtleS1mb3ItbmF0aXZlLWJpbmFyeQ==";
    private readonly string _kvedge;
    private readonly string _folder = Directory.CreateTempSubdirectory("kvedge-native-").FullName;
    private ContractCluster _cluster = null!;

    public NativeBinaryTests(Binary binary) => _kvedge = binary.Path;

    /// <summary>Built once for the class: a NativeAOT build takes minutes.</summary>
    public sealed class Binary : IDisposable
    {
        private readonly string? _built;

        public Binary()
        {
            if (Environment.GetEnvironmentVariable("KVEDGE_NATIVE_BIN") is { Length: > 0 } given)
            {
                Path = given;
                return;
            }

            _built = Directory.CreateTempSubdirectory("kvedge-native-build-").FullName;
            var run = ExternalTool.Run("/usr/bin/env", ["bash", System.IO.Path.Combine(RepoPaths.Root, "scripts", "build-native.sh"), _built], timeoutSeconds: 1200);
            if (run.ExitCode != 0)
            {
                throw new InvalidOperationException("scripts/build-native.sh failed:\n" + run.StdOut + run.StdErr);
            }

            Path = System.IO.Path.Combine(_built, "kvedge");
        }

        public string Path { get; }

        public void Dispose()
        {
            if (_built is not null)
            {
                Directory.Delete(_built, recursive: true);
            }
        }
    }

    public async Task InitializeAsync() => _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private ToolResult Kvedge(params string[] args) =>
        ExternalTool.Run("/usr/bin/env", ["-u", "DOTNET_ROOT", $"HOME={_folder}", $"IOTHUB_CS={ConnectionString}", _kvedge, .. args], timeoutSeconds: 120);

    [Fact]
    public void It_is_one_native_executable_that_names_its_version()
    {
        // An ELF executable, not a .NET apphost beside a managed kvedge.dll.
        Assert.Equal("\u007fELF"u8.ToArray(), File.ReadAllBytes(_kvedge)[..4]);
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_kvedge)!, "kvedge.dll")));
        var version = Kvedge("version", "-o", "json");
        Assert.True(version.ExitCode == 0, version.StdErr);
        Assert.Contains("\"kubevirt\": \"v1.9.0\"", version.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("examples/minimal.yaml", "minimal.yaml")]
    [InlineData("examples/full.yaml", "full.yaml")]
    [InlineData("examples/fleet.yaml", "fleet.yaml")]
    public void Template_renders_the_golden_bytes(string spec, string golden)
    {
        var run = Kvedge("template", "-f", Path.Combine(RepoPaths.Root, spec));
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.TestData, "golden", golden)), run.StdOut);
    }

    [Fact]
    public void Bad_input_is_refused_with_every_error_and_exit_code_2()
    {
        var spec = Path.Combine(_folder, "bad.yaml");
        File.WriteAllText(spec, "apiVersion: kvedge.io/v1alpha1\nkind: EdgeDevice\nmetadata: {name: Bad_Name}\nspec:\n  cpu: {cores: \"2\"}\n  colour: red\n");
        var run = Kvedge("validate", "-f", spec);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("spec.cpu.cores", run.StdErr + run.StdOut, StringComparison.Ordinal);
        Assert.Contains("unknown field 'colour'", run.StdErr + run.StdOut, StringComparison.Ordinal);
        Assert.Contains("metadata.name", run.StdErr + run.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void The_offline_verbs_work()
    {
        var spec = Path.Combine(RepoPaths.Root, "examples", "full.yaml");
        var toml = Kvedge("config-toml", "-f", spec);
        Assert.True(toml.ExitCode == 0, toml.StdErr);
        Assert.Contains("[provisioning]", toml.StdOut, StringComparison.Ordinal);

        var completion = ExternalTool.Run("bash", ["-c", $"source <('{_kvedge}' completion bash) && complete -p kvedge"]);
        Assert.True(completion.ExitCode == 0, completion.StdErr);
        Assert.Contains("kvedge", completion.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Install_status_and_uninstall_work_against_an_API_server()
    {
        var spec = Path.Combine(_folder, "edge-01.yaml");
        File.WriteAllText(spec, Specs.Minimal("edge-01", """
            iotEdge:
              provisioning: {source: manual, method: connectionString}
              credentials: {connectionStringEnv: IOTHUB_CS}
            """));

        var install = Kvedge("install", "-f", spec, "--kubeconfig", _cluster.Kubeconfig);
        Assert.True(install.ExitCode == 0, install.StdOut + install.StdErr);
        Assert.Contains("virtualmachine.kubevirt.io/edge-01 created", install.StdOut + install.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("SharedAccessKey", install.StdOut + install.StdErr, StringComparison.Ordinal);

        var again = Kvedge("install", "-f", spec, "--kubeconfig", _cluster.Kubeconfig);
        Assert.True(again.ExitCode == 0, again.StdOut + again.StdErr);
        Assert.Contains("virtualmachine.kubevirt.io/edge-01 unchanged", again.StdOut + again.StdErr, StringComparison.Ordinal);

        var status = Kvedge("status", "edge-01", "-o", "json", "--kubeconfig", _cluster.Kubeconfig);
        Assert.True(status.ExitCode is 0 or 1, status.StdErr);
        Assert.Contains("edge-01", status.StdOut, StringComparison.Ordinal);

        var uninstall = Kvedge("uninstall", "edge-01", "--kubeconfig", _cluster.Kubeconfig);
        Assert.True(uninstall.ExitCode == 0, uninstall.StdOut + uninstall.StdErr);
        Assert.Contains("deleted", uninstall.StdOut + uninstall.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_guest_verbs_reach_a_device_through_the_API_server_with_the_binary_as_sshs_proxy()
    {
        using var guest = StandInGuestSshd.Start();
        var spec = Path.Combine(_folder, "edge-01.yaml");
        File.WriteAllText(spec, Specs.Minimal("edge-01", "expose: {type: None}"));
        _cluster.Server.Simulator.Start();
        var install = Kvedge("install", "-f", spec, "--wait", "--timeout", "1m", "--kubeconfig", _cluster.Kubeconfig);
        Assert.True(install.ExitCode == 0, install.StdOut + install.StdErr);
        _cluster.Server.MapGuestPort("factory-a", "edge-01", 22, guest.EndPoint);

        // ssh's ProxyCommand is this binary's own port-forward --stdio: the websocket through KubernetesClient.Aot.
        var exec = Kvedge("exec", "edge-01", "--kubeconfig", _cluster.Kubeconfig, "-l", StandInGuestSshd.User, "--identity", guest.ClientKey, "--", "echo", "from the guest");
        Assert.True(exec.ExitCode == 0, exec.StdErr);
        Assert.Equal("from the guest\n", exec.StdOut);
        var health = Kvedge("health", "edge-01", "--kubeconfig", _cluster.Kubeconfig, "-l", StandInGuestSshd.User, "-i", guest.ClientKey);
        Assert.True(health.ExitCode == 0, health.StdErr);
        Assert.StartsWith("healthy, no deployment yet: ", health.StdOut, StringComparison.Ordinal);
        guest.Deployed();
        var deployed = Kvedge("health", "edge-01", "--kubeconfig", _cluster.Kubeconfig, "-l", StandInGuestSshd.User, "-i", guest.ClientKey);
        Assert.True(deployed.ExitCode == 0, deployed.StdErr);
        Assert.Equal("healthy\n", deployed.StdOut);
        Assert.True(_cluster.Server.PortForwardStreams >= 3);
    }
}
