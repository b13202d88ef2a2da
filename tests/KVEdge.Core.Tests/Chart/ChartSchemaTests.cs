using System.Text.Json;
using System.Text.Json.Nodes;
using KVEdge.Core.Spec;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Chart;

/// <summary>The chart's values.schema.json is generated from the spec's own types; helm enforces it, so unknown keys and wrong types fail.</summary>
public class ChartSchemaTests
{
    public static JsonObject Generated()
    {
        var schema = SpecSchema.For(typeof(EdgeDeviceSpec), SpecConstraints.All());
        var properties = schema["properties"]!.AsObject();
        JsonObject Str() => new() { ["type"] = "string" };
        JsonObject Map() => new() { ["type"] = new JsonArray("object", "null"), ["additionalProperties"] = Str() };
        JsonObject EmptyOr(JsonObject constraint) => SpecConstraints.Merge(Str(), new JsonObject { ["if"] = new JsonObject { ["minLength"] = 1 }, ["then"] = constraint });

        // The device name: empty means the release name (checked in templates/_validate.tpl).
        properties["nameOverride"] = EmptyOr(SpecConstraints.Label1035());
        properties["labels"] = SpecConstraints.Merge(Map(), SpecConstraints.LabelMap(reserved: true));
        properties["annotations"] = SpecConstraints.Merge(Map(), SpecConstraints.KeyMap());
        foreach (var key in new[] { "azIotEdgeConfig", "rootCA", "rootCAName", "deviceCACert", "deviceCACertName", "deviceCAKey", "deviceCAKeyName" })
        {
            properties[key] = Str();
        }

        properties["publicSshKey"] = EmptyOr(SpecConstraints.SshKey());
        properties["aziotEdgeVmDiskSize"] = EmptyOr(SpecConstraints.Pattern(KVEdge.Core.Kubernetes.Quantities.GrammarPattern, 64));
        properties["macAddress"] = EmptyOr(SpecConstraints.Mac());
        properties["aziotEdgeVmEnableExternalSsh"] = new JsonObject { ["type"] = new JsonArray("boolean", "null") };
        var sorted = new JsonObject();
        foreach (var (k, v) in properties.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList())
        {
            properties.Remove(k);
            sorted[k] = v;
        }

        return new JsonObject
        {
            ["$schema"] = "http://json-schema.org/draft-07/schema#",
            ["title"] = "aziot-edge-kubevirt values: the EdgeDevice spec plus the upstream sample's keys",
            ["type"] = "object",
            ["additionalProperties"] = false,
            ["properties"] = sorted,
        };
    }

    [Fact]
    public void Values_schema_is_generated_from_the_spec()
    {
        var path = Path.Combine(HelmChart.Dir, "values.schema.json");
        var text = Generated().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        Golden.AssertMatches(path, text);
    }

    [Fact]
    public void Chart_defaults_are_generated_from_the_renderer()
    {
        // The chart's defaults and shared tables (identity-service pins, agent image, MAC/UUID seeds, credential keys).
        Golden.AssertMatches(Path.Combine(HelmChart.Dir, KVEdge.Core.Rendering.ChartDefaults.ChartPath), KVEdge.Core.Rendering.ChartDefaults.Render());
    }

    [Fact]
    public void Helm_lint_strict_passes()
    {
        var result = HelmChart.Run("lint", "--strict", HelmChart.Dir, "--set", $"publicSshKey={TestKeys.Ed25519}");
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
    }

    [Theory]
    [InlineData("--set", "cpu.coers=2", "coers")]
    [InlineData("--set", "cpu.cores=two", "cores")]
    [InlineData("--set", "expose.sshPort=ssh", "sshPort")]
    [InlineData("--set", "aziotEdgeVmEnableExternalSsh=maybe", "aziotEdgeVmEnableExternalSsh")]
    [InlineData("--set", "unknownTopLevel=1", "unknownTopLevel")]
    [InlineData("--set", "iotEdge.provisioning.scopeId=0ne00000A0A", "scopeId")]
    [InlineData("--set", "rootDisk.containerDisk.image=1", "image")]
    public void The_schema_rejects_unknown_keys_and_wrong_types(string flag, string value, string mentioned)
    {
        var result = HelmChart.Template("edge", "default", null, flag, value);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(mentioned, result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Upstream_commands_render_a_valid_device()
    {
        var config = Path.Combine(RepoPaths.Shared, "reference", "iotedge", "01-manual-connection-string.toml");
        var result = HelmChart.Template("aziot-edge-kubevirt", "default", null,
            "--set", $"publicSshKey={TestKeys.Ed25519}", "--set-file", $"azIotEdgeConfig={config}",
            "--set", "aziotEdgeVmEnableExternalSsh=true", "--set", "aziotEdgeVmDiskSize=16Gi", "--set", "macAddress=fe:7e:48:a0:7d:22");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var objects = YamlToJson.ParseAll(result.StdOut);
        foreach (var o in objects)
        {
            Assert.Empty(SchemaValidator.Validate(o));
        }

        var credentials = objects.Single(o => (string?)o["metadata"]!["name"] == "aziot-edge-kubevirt-credentials");
        Assert.Equal(File.ReadAllText(config), System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)credentials["data"]!["config.toml"]!)));
        Assert.Equal("LoadBalancer", (string?)objects.Single(o => (string?)o["kind"] == "Service")["spec"]!["type"]);
        Assert.Equal("16Gi", (string?)objects.Single(o => (string?)o["metadata"]!["name"] == "aziot-edge-kubevirt-root")["spec"]!["storage"]!["resources"]!["requests"]!["storage"]);
        var data = objects.Single(o => (string?)o["metadata"]!["name"] == "aziot-edge-kubevirt-data");
        Assert.Equal("keep", (string?)data["metadata"]!["annotations"]!["helm.sh/resource-policy"]);
    }

    [Fact]
    public void The_upstream_install_command_alone_renders()
    {
        var result = HelmChart.Template("aziot-edge-kubevirt", "default", null, "--set", $"publicSshKey={TestKeys.Ed25519}");
        Assert.True(result.ExitCode == 0, result.StdErr);
        Assert.All(YamlToJson.ParseAll(result.StdOut), o => Assert.Empty(SchemaValidator.Validate(o)));
    }
}
