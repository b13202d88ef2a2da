using KVEdge.Core.Actions;
using KVEdge.Core.Input;
using KVEdge.Core.Spec;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Actions;

/// <summary>The verbs about one spec that need no cluster, run as actions without the CLI: validate, config-toml, edgehub-manifest.</summary>
public sealed class DeviceActionTests
{
    private const string Key = "c2VjcmV0LWtleS1mb3ItYWN0aW9uLXRlc3RzLTAwMDE=";

    private static EdgeDevice Load(string extraSpec)
    {
        var result = TemplateAction.Run([new InputFile("device.yaml", Specs.Minimal("edge-01", extraSpec))], [], "default",
            name => name switch
            {
                "CS" => $"HostName=hub-a.azure-devices.net;DeviceId=edge-01;SharedAccessKey={Key}",
                "TOML" => $"[provisioning]\nsource = \"manual\"\nconnection_string = \"HostName=h.azure-devices.net;DeviceId=d;SharedAccessKey={Key}\"\n",
                _ => null,
            });
        Assert.False(result.Diagnostics.HasErrors, string.Join("\n", result.Diagnostics.Items));
        return result.Specs.Single().Value;
    }

    [Fact]
    public void Config_toml_is_redacted_unless_asked_and_shown_when_asked()
    {
        var device = Load("iotEdge: {provisioning: {source: manual, method: connectionString}, credentials: {connectionStringEnv: CS}}");
        var redacted = ConfigTomlAction.Run(new ConfigTomlOptions(device, "factory-a", ShowSecrets: false));
        Assert.Contains("[provisioning]", redacted.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, redacted.Text, StringComparison.Ordinal);
        Assert.Null(redacted.Note);

        var shown = ConfigTomlAction.Run(new ConfigTomlOptions(device, "factory-a", ShowSecrets: true));
        Assert.Contains(Key, shown.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_toml_from_an_existing_secret_says_where_the_values_come_from()
    {
        var device = Load("iotEdge: {provisioning: {source: manual, method: connectionString}, credentials: {existingSecret: edge-01-iotedge}}");
        var result = ConfigTomlAction.Run(new ConfigTomlOptions(device, "factory-a", ShowSecrets: true));
        Assert.Contains("@@KVEDGE:connection-string@@", result.Text, StringComparison.Ordinal);
        Assert.Equal("note: @@KVEDGE:...@@ values are filled at boot from Secret factory-a/edge-01-iotedge", result.Note);
    }

    [Fact]
    public void A_verbatim_config_toml_is_never_printed_unless_asked()
    {
        var device = Load("iotEdge: {credentials: {configTomlEnv: TOML}}");
        var hidden = ConfigTomlAction.Run(new ConfigTomlOptions(device, "factory-a", ShowSecrets: false));
        Assert.Null(hidden.Text);
        Assert.Contains("--show-secrets prints it", hidden.Note, StringComparison.Ordinal);
        Assert.Contains(Key, ConfigTomlAction.Run(new ConfigTomlOptions(device, "factory-a", ShowSecrets: true)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_edgehub_manifest_keeps_edgeHubs_queue_on_the_data_disk()
    {
        var device = Load("iotEdge: {provisioning: {source: manual, method: connectionString}, credentials: {existingSecret: edge-01-iotedge}}");
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(EdgeHubManifestAction.Run(device))!;
        var hub = manifest["modulesContent"]!["$edgeAgent"]!["properties.desired"]!["systemModules"]!["edgeHub"]!;
        Assert.Contains("/var/lib/kvedge-data/edgeHub:/iotedge/storage", hub["settings"]!["createOptions"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_gives_a_verdict_per_device_and_fails_on_any_error()
    {
        var fleet = Specs.Minimal("edge-01") + "\n---\n" + Specs.Minimal("edge-02", "cpu: {cores: 0}");
        var result = ValidateAction.Run([new InputFile("fleet.yaml", fleet)], [], "default");
        Assert.Equal(["factory-a/edge-01", "factory-a/edge-02"], result.Devices.Select(d => d.Device));
        Assert.Equal((0, 1), (result.Devices[0].Errors, result.Devices[1].Errors));
        Assert.Equal("fleet.yaml (document 2)", result.Devices[1].Source);
        Assert.Equal(FailureKind.InvalidInput, result.Failure?.Kind);
        Assert.Equal("1 error(s) in 2 device(s)", result.Failure!.Message);
    }
}
