using System.Text.Json.Nodes;
using KVEdge.Core.Rendering;
using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>
/// kvedge as a shell and kubectl meet it: the real binary (the apphost built beside these tests) on PATH, completion
/// loaded into a real bash, kubectl 1.35 finding it as a plugin, version, and "did you mean" for a typo.
/// </summary>
public sealed class ShellIntegrationTests : IDisposable
{
    private readonly string _bin = Directory.CreateTempSubdirectory("kvedge-path-").FullName;

    public ShellIntegrationTests()
    {
        // The apphost resolves its own real path to find kvedge.dll, so a link is the binary, as an install would be.
        var apphost = Path.Combine(AppContext.BaseDirectory, "kvedge");
        File.CreateSymbolicLink(Path.Combine(_bin, "kvedge"), apphost);
        File.CreateSymbolicLink(Path.Combine(_bin, "kubectl-kvedge"), apphost);
    }

    public void Dispose() => Directory.Delete(_bin, recursive: true);

    private ToolResult Shell(string script) =>
        ExternalTool.Run("/usr/bin/env", [$"PATH={_bin}:{Environment.GetEnvironmentVariable("PATH")}", "bash", "-c", script]);

    [Fact]
    public void Version_names_kvedge_and_what_it_renders_for()
    {
        var (code, text) = TestConsole.Run("version");
        Assert.Equal(0, code);
        Assert.Matches(@"^kvedge [0-9]+\.[0-9]+\.[0-9]+ \(commit [0-9a-f]{7,40}\)\n", text.Out);
        Assert.Contains($"KubeVirt {TargetVersions.KubeVirt}, CDI {TargetVersions.Cdi}, Kubernetes {TargetVersions.Kubernetes}, IoT Edge 1.6.0", text.Out, StringComparison.Ordinal);

        var (jsonCode, json) = TestConsole.Run("version", "-o", "json");
        Assert.Equal(0, jsonCode);
        var doc = JsonNode.Parse(json.Out)!;
        Assert.Equal(TargetVersions.KubeVirt, doc["rendersFor"]!["kubevirt"]!.GetValue<string>());
        Assert.Equal("1.6.0", doc["rendersFor"]!["aziotIdentityService"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(doc["kvedge"]!["commit"]!.GetValue<string>()));
    }

    [Fact]
    public void The_versions_it_renders_for_are_the_schemas_it_is_tested_against()
    {
        var schemas = Path.Combine(RepoPaths.Root, "..", "shared", "schemas");
        Assert.True(Directory.Exists(Path.Combine(schemas, $"kubevirt-{TargetVersions.KubeVirt}")));
        Assert.True(Directory.Exists(Path.Combine(schemas, $"cdi-{TargetVersions.Cdi}")));
        Assert.True(Directory.Exists(Path.Combine(schemas, $"kubernetes-{TargetVersions.Kubernetes}")));
    }

    [Fact]
    public void Bash_completion_loads_and_completes_a_subcommand_and_an_option()
    {
        var loaded = Shell("source <(kvedge completion bash) && complete -p kvedge");
        Assert.True(loaded.ExitCode == 0, loaded.StdErr);
        Assert.Equal("complete -o default -F _kvedge_completions kvedge\n", loaded.StdOut);

        var sub = Shell("""source <(kvedge completion bash); COMP_LINE="kvedge sta"; COMP_POINT=10; COMP_WORDS=(kvedge sta); COMP_CWORD=1; _kvedge_completions; printf '%s\n' "${COMPREPLY[@]}" """);
        Assert.True(sub.ExitCode == 0, sub.StdErr);
        Assert.Equal("status\n", sub.StdOut);

        var option = Shell("""source <(kvedge completion bash); COMP_LINE="kvedge status --all-n"; COMP_POINT=21; COMP_WORDS=(kvedge status --all-n); COMP_CWORD=2; _kvedge_completions; printf '%s\n' "${COMPREPLY[@]}" """);
        Assert.Equal("--all-namespaces\n", option.StdOut);
    }

    [Fact]
    public void Bash_completes_device_names_from_the_files_on_the_line()
    {
        var fleet = Path.Combine(RepoPaths.Examples, "fleet.yaml");
        var line = $"kvedge config-toml -f {fleet} --device pr";
        var names = Shell("source <(kvedge completion bash); COMP_LINE=\"" + line + "\"; COMP_POINT=" + line.Length + "; COMP_WORDS=(" + line + "); COMP_CWORD=5; _kvedge_completions; printf '%s\\n' \"${COMPREPLY[@]}\"");
        Assert.True(names.ExitCode == 0, names.StdErr);
        Assert.Equal("press-01\npress-02\n", names.StdOut);
    }

    [Theory]
    [InlineData("zsh", "compdef _kvedge kvedge")]
    [InlineData("fish", "complete -c kvedge")]
    [InlineData("powershell", "Register-ArgumentCompleter -Native -CommandName kvedge")]
    public void Each_shell_gets_a_script_that_asks_kvedge(string shell, string registration)
    {
        var (code, script) = TestConsole.Run("completion", shell);
        Assert.Equal(0, code);
        Assert.Contains(registration, script.Out, StringComparison.Ordinal);
        Assert.Contains("[suggest:", script.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.InvalidInput, TestConsole.Run("completion", "tcsh").Code);
    }

    [Fact]
    public void Kubectl_runs_it_as_a_plugin()
    {
        var kubectl = ExternalTool.Require(Path.Combine(RepoPaths.Root, ".tools", "kubectl", "kubectl"));
        var listed = Shell($"'{kubectl}' plugin list 2>/dev/null");
        Assert.Contains(Path.Combine(_bin, "kubectl-kvedge"), listed.StdOut, StringComparison.Ordinal);
        var version = Shell($"'{kubectl}' kvedge version");
        Assert.True(version.ExitCode == 0, version.StdErr);
        Assert.StartsWith("kvedge ", version.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "sttaus" }, "(did you mean 'status'?)")]
    [InlineData(new[] { "status", "--namespce", "x" }, "(did you mean '--namespace'?)")]
    [InlineData(new[] { "image", "biuld" }, "(did you mean 'build'?)")]
    public void A_typo_gets_did_you_mean_and_exit_2(string[] args, string suggestion)
    {
        var (code, console) = TestConsole.Run(args);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains(suggestion, console.Err, StringComparison.Ordinal);
    }
}
