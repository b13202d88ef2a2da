using System.Text.Json.Nodes;
using KVEdge.Testing;
using Tomlyn;
using Tomlyn.Model;

namespace KVEdge.Cli.Tests.Commands;

public class IotEdgeCommandsTests
{
    private static readonly string Modes = Path.Combine(RepoPaths.TestData, "iotedge", "modes.yaml");

    private static (int Code, TestConsole Console) Run(params string[] args) =>
        TestConsole.RunWith("", TestCredentials.Environment, args);

    [Fact]
    public void Config_toml_redacts_unless_show_secrets()
    {
        var (code, c) = Run("config-toml", "-f", Modes, "--device", "modes/mode-cs");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("connection_string = \"<redacted>\"", c.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(TestCredentials.Read("connection-string.txt").Split("SharedAccessKey=")[1].Trim(), c.Out + c.Err, StringComparison.Ordinal);

        var (shown, s) = Run("config-toml", "-f", Modes, "-d", "mode-cs", "--show-secrets");
        Assert.Equal(ExitCodes.Success, shown);
        var toml = TomlSerializer.Deserialize<TomlTable>(s.Out)!;
        Assert.Equal(TestCredentials.Read("connection-string.txt").Trim(), ((TomlTable)toml["provisioning"])["connection_string"]);
    }

    [Fact]
    public void Config_toml_asks_which_device_when_there_are_several()
    {
        var (code, c) = Run("config-toml", "-f", Modes);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("choose one with --device (modes/mode-cs, modes/mode-sas", c.Err, StringComparison.Ordinal);
        Assert.Equal("", c.Out);
    }

    [Fact]
    public void Config_toml_for_an_existing_secret_device_says_where_values_come_from()
    {
        var (code, c) = Run("config-toml", "-f", Path.Combine(RepoPaths.Examples, "minimal.yaml"));
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("@@KVEDGE:connection-string@@", c.Out, StringComparison.Ordinal);
        Assert.Contains("filled at boot from Secret default/edge-minimal-iotedge", c.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config-toml")]
    [InlineData("edgehub-manifest")]
    public void A_device_without_iot_edge_is_refused(string verb)
    {
        var (code, c) = Run(verb, "-f", Path.Combine(RepoPaths.TestData, "valid", "sources.yaml"), "-d", "lab/src-http");
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("lab/src-http has no spec.iotEdge", c.Err, StringComparison.Ordinal);
        Assert.Equal("", c.Out);
    }

    [Fact]
    public void Edgehub_manifest_binds_both_storage_folders_to_the_data_disk()
    {
        var (code, c) = Run("edgehub-manifest", "-f", Path.Combine(RepoPaths.Examples, "full.yaml"));
        Assert.Equal(ExitCodes.Success, code);
        var modules = JsonNode.Parse(c.Out)!["modulesContent"]!["$edgeAgent"]!["properties.desired"]!["systemModules"]!;
        foreach (var module in new[] { "edgeAgent", "edgeHub" })
        {
            var m = modules[module]!;
            var folder = (string)m["env"]!["StorageFolder"]!["value"]!;
            var createOptions = (string)m["settings"]!["createOptions"]!;
            Assert.True(createOptions.Length <= 512, "edgeAgent reads at most 512 characters per twin value");
            var bind = (string)JsonNode.Parse(createOptions)!["HostConfig"]!["Binds"]![0]!;
            Assert.Equal($"/var/lib/edge-data/{module}:{folder}", bind);
            Assert.Equal("http://proxy.factory-a.example.com:3128", (string)m["env"]!["https_proxy"]!["value"]!);
        }

        Assert.Equal("mirror.factory-a.example.com/azureiotedge-hub:1.5", (string)modules["edgeHub"]!["settings"]!["image"]!);
    }

    [Fact]
    public void Dps_derive_key_prints_the_documented_vector()
    {
        var (code, c) = Run("dps", "derive-key", "--group-key", TestCredentials.Read("group-key.txt").Trim(), "--registration-id", "sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=\n", c.Out);
    }

    [Fact]
    public void Dps_derive_key_reads_the_group_key_from_a_file()
    {
        var (code, c) = Run("dps", "derive-key", "--group-key-file", Path.Combine(TestCredentials.Dir, "group-key.txt"), "--registration-id", "sn-007-888-abc-mac-a1-b2-c3-d4-e5-f6");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal("Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=\n", c.Out);
    }

    [Theory]
    [InlineData("not*base64", "sn-007", "the group key is not valid base64")]
    [InlineData("aGVsbG8=", "sn-007", "the group key decodes to 5 bytes")]
    [InlineData("8isrFI1sGsIlvvFSSFRiMfCNzv21fjbE/+ah/lSh3lF8e2YG1Te7w1KpZhJFFXJrqYKi9yegxkqIChbqOS9Egw==", "SN/007", "--registration-id: 'SN/007'")]
    public void Dps_derive_key_rejects_bad_input_without_echoing_the_key(string key, string id, string message)
    {
        var (code, c) = Run("dps", "derive-key", "--group-key", key, "--registration-id", id);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains(message, c.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(key, c.Err, StringComparison.Ordinal);
        Assert.Equal("", c.Out);
    }
}
