using System.Text.Json.Nodes;
using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

public class TemplateCommandTests
{
    private static string Example(string name) => Path.Combine(RepoPaths.Examples, name);

    [Fact]
    public void Renders_yaml_to_stdout_and_nothing_else()
    {
        var (code, c) = TestConsole.Run("template", "-f", Example("minimal.yaml"));
        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("", c.Err);
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.TestData, "golden", "minimal.yaml")), c.Out);
    }

    [Fact]
    public void Several_files_and_stdin_render_as_one_fleet()
    {
        var (code, c) = TestConsole.RunWithInput(Specs.Minimal("from-stdin"), "template", "-f", Example("minimal.yaml"), "-f", "-");
        Assert.Equal(ExitCodes.Success, code);
        var objects = YamlToJson.ParseAll(c.Out);
        Assert.Contains(objects, o => (string?)o["metadata"]!["name"] == "from-stdin");
        Assert.Contains(objects, o => (string?)o["metadata"]!["name"] == "edge-minimal");
    }

    [Fact]
    public void Json_output_is_a_v1_list()
    {
        var (code, c) = TestConsole.Run("template", "-f", Example("fleet.yaml"), "-o", "json");
        Assert.Equal(ExitCodes.Success, code);
        var list = JsonNode.Parse(c.Out)!;
        Assert.Equal("List", (string?)list["kind"]);
        Assert.Equal(YamlToJson.ParseAll(File.ReadAllText(Path.Combine(RepoPaths.TestData, "golden", "fleet.yaml"))).Count, list["items"]!.AsArray().Count);
    }

    [Fact]
    public void Set_and_namespace_apply_to_every_device()
    {
        var (code, c) = TestConsole.Run("template", "-f", Example("minimal.yaml"), "-n", "plant-9", "--set", "spec.cpu.cores=6,spec.memory=12Gi");
        Assert.Equal(ExitCodes.Success, code);
        var vm = YamlToJson.ParseAll(c.Out).Single(o => (string?)o["kind"] == "VirtualMachine");
        Assert.Equal("plant-9", (string?)vm["metadata"]!["namespace"]);
        Assert.Equal(6L, (long)vm["spec"]!["template"]!["spec"]!["domain"]!["cpu"]!["cores"]!);
        Assert.Equal("12Gi", (string?)vm["spec"]!["template"]!["spec"]!["domain"]!["memory"]!["guest"]);
    }

    [Fact]
    public void Set_file_reads_a_public_key_file()
    {
        var key = Path.GetTempFileName();
        File.WriteAllText(key, TestKeys.Ecdsa384 + "\n");
        try
        {
            var (code, c) = TestConsole.Run("template", "-f", Example("minimal.yaml"), "--set-file", $"spec.ssh.authorizedKeys[0]={key}");
            Assert.Equal(ExitCodes.Success, code);
            Assert.DoesNotContain(TestKeys.Ed25519.Split(' ')[1], c.Out, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(key);
        }
    }

    [Fact]
    public void Output_dir_writes_a_kustomize_tree_per_device()
    {
        var dir = Directory.CreateTempSubdirectory("kvedge-gitops-").FullName;
        try
        {
            var (code, c) = TestConsole.Run("template", "-f", Example("fleet.yaml"), "--output-dir", dir);
            Assert.Equal(ExitCodes.Success, code);
            Assert.Equal("", c.Out);
            Assert.Contains("wrote 4 device(s)", c.Err, StringComparison.Ordinal);
            var top = File.ReadAllText(Path.Combine(dir, "kustomization.yaml"));
            Assert.Contains("- factory-a/press-01\n", top, StringComparison.Ordinal);
            var device = Path.Combine(dir, "factory-a", "press-01");
            var kustomization = YamlToJson.ParseAll(File.ReadAllText(Path.Combine(device, "kustomization.yaml"))).Single();
            var resources = kustomization["resources"]!.AsArray().Select(r => (string)r!).ToList();
            Assert.Equal(["secret-press-01-cloudinit.yaml", "configmap-press-01-config.yaml", "datavolume-press-01-root.yaml", "datavolume-press-01-data.yaml", "virtualmachine-press-01.yaml", "service-press-01.yaml"], resources);
            Assert.All(resources, r => Assert.True(File.Exists(Path.Combine(device, r))));

            // Rendering again after a device loses its Service removes the stale file.
            var fleet = File.ReadAllText(Example("fleet.yaml"));
            var (again, _) = TestConsole.RunWithInput(fleet, "template", "-f", "-", "--output-dir", dir, "--set", "spec.expose.type=None,spec.expose.ports=null");
            Assert.Equal(ExitCodes.Success, again);
            Assert.False(File.Exists(Path.Combine(device, "service-press-01.yaml")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Every_data_disk_in_a_GitOps_tree_is_protected_from_pruning_by_Helm_Flux_and_Argo_CD()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"kvedge-prune-{Guid.NewGuid():N}");
        try
        {
            var (code, c) = TestConsole.Run("template", "-f", Example("fleet.yaml"), "--output-dir", dir);
            Assert.True(code == ExitCodes.Success, c.Err);
            var disks = Directory.EnumerateFiles(dir, "datavolume-*-data.yaml", SearchOption.AllDirectories).ToList();
            Assert.Equal(4, disks.Count);
            foreach (var disk in disks)
            {
                var annotations = YamlToJson.ParseAll(File.ReadAllText(disk)).Single()["metadata"]!["annotations"]!;
                Assert.Equal("keep", annotations["helm.sh/resource-policy"]!.GetValue<string>());
                Assert.Equal("disabled", annotations["kustomize.toolkit.fluxcd.io/prune"]!.GetValue<string>());
                Assert.Equal("Delete=false,Prune=false", annotations["argocd.argoproj.io/sync-options"]!.GetValue<string>());
            }

            // And only the data disks: everything else of a device that leaves the fleet is meant to be pruned.
            var others = Directory.EnumerateFiles(dir, "*.yaml", SearchOption.AllDirectories).Where(f => !disks.Contains(f) && !f.EndsWith("kustomization.yaml", StringComparison.Ordinal));
            Assert.All(others, f => Assert.DoesNotContain("kustomize.toolkit.fluxcd.io/prune", File.ReadAllText(f), StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Nothing_is_written_when_any_device_is_invalid()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"kvedge-none-{Guid.NewGuid():N}");
        var bad = Specs.Minimal("good") + "\n---\n" + Specs.Minimal("bad", "cpu: {cores: 0}");
        var (code, c) = TestConsole.RunWithInput(bad, "template", "-f", "-", "--output-dir", dir);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.False(Directory.Exists(dir));
        Assert.Equal("", c.Out);
        Assert.Contains("spec.cpu.cores: must be between 1 and 256, got 0", c.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_and_output_dir_together_are_a_usage_error()
    {
        var (code, c) = TestConsole.Run("template", "-f", Example("minimal.yaml"), "-o", "json", "--output-dir", "x");
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("cannot be used together", c.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("template")]
    [InlineData("template", "-f", "/nonexistent/devices.yaml")]
    [InlineData("template", "-f", "x.yaml", "-o", "xml")]
    [InlineData("template", "-f", "x.yaml", "--bogus")]
    [InlineData("template", "-f", "x.yaml", "--set", "spec.cpu.cores")]
    [InlineData("frobnicate")]
    public void Usage_and_input_errors_exit_2_with_one_clear_message(params string[] args)
    {
        var (code, c) = TestConsole.Run(args);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Equal("", c.Out);
        Assert.StartsWith("error: ", c.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", c.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_goes_to_stdout()
    {
        var (code, c) = TestConsole.Run("template", "--help");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("--output-dir", c.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_output_matches_the_library_serializer()
    {
        var (_, c) = TestConsole.Run("template", "-f", Example("full.yaml"));
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.TestData, "golden", "full.yaml")), c.Out);
        Assert.StartsWith("---\n", c.Out, StringComparison.Ordinal);
    }
}
