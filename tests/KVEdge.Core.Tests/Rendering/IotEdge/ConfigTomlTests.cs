using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Spec;
using KVEdge.Testing;
using Tomlyn;
using Tomlyn.Model;

namespace KVEdge.Core.Tests.Rendering.IotEdge;

/// <summary>
/// Each mode's config.toml, parsed back, has exactly the provisioning fields of the matching example in
/// shared/reference/iotedge (taken from aziot's own golden test configs).
/// </summary>
public class ConfigTomlTests
{
    public static TheoryData<string, string> Modes() => new()
    {
        { "mode-cs", "01-manual-connection-string.toml" },
        { "mode-sas", "02-manual-sas-explicit.toml" },
        { "mode-x509", "03-manual-x509.toml" },
        { "mode-dps-key", "04-dps-symmetric-key.toml" },
        { "mode-dps-group", "04-dps-symmetric-key.toml" },
        { "mode-dps-x509", "05-dps-x509.toml" },
        { "mode-dps-tpm", "06-dps-tpm.toml" },
        { "mode-nested", "07-nested-child.toml" },
    };

    private static EdgeDevice Device(string name) =>
        RenderFixtures.Render("tests/testdata/iotedge/modes.yaml").Specs.Single(s => s.Value.Metadata.Name == name).Value;

    private static TomlTable Config(EdgeDevice device, bool showSecrets = true)
    {
        var template = ConfigTomlRenderer.RenderTemplate(device);
        return TomlSerializer.Deserialize<TomlTable>(ConfigTomlRenderer.Resolve(template, DeviceCredentials.Values(device.Spec.IotEdge!), showSecrets))!;
    }

    private static SortedSet<string> Keys(TomlTable table, string prefix = "")
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in table)
        {
            var path = prefix + k;
            keys.Add(path);
            if (v is TomlTable t)
            {
                keys.UnionWith(Keys(t, path + "."));
            }
        }

        return keys;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Provisioning_fields_match_the_reference_example(string device, string reference)
    {
        var expected = TomlSerializer.Deserialize<TomlTable>(File.ReadAllText(Path.Combine(RepoPaths.Shared, "reference", "iotedge", reference)))!;
        var actual = Config(Device(device));
        Assert.Equal(Keys((TomlTable)expected["provisioning"]), Keys((TomlTable)actual["provisioning"]));
        foreach (var topLevel in expected.Keys.Where(k => expected[k] is not TomlTable && k != "auto_reprovisioning_mode"))
        {
            Assert.True(actual.ContainsKey(topLevel), $"{device}: missing top-level {topLevel}");
        }

        if (expected.TryGetValue("edge_ca", out var ca))
        {
            Assert.Equal(Keys((TomlTable)ca), Keys((TomlTable)actual["edge_ca"]));
        }
    }

    [Fact]
    public void Values_land_where_aziot_reads_them()
    {
        var group = Config(Device("mode-dps-group"));
        var attestation = (TomlTable)((TomlTable)group["provisioning"])["attestation"];
        Assert.Equal("symmetric_key", attestation["method"]);
        // The device gets the key derived for its registration id, never the group key.
        Assert.Equal("Jsm0lyGpjaVYVP2g3FnmnmG9dI/9qU24wNoykUmermc=", ((TomlTable)attestation["symmetric_key"])["value"]);
        Assert.Equal("AlwaysOnStartup", group["auto_reprovisioning_mode"]);

        var cs = (TomlTable)Config(Device("mode-cs"))["provisioning"];
        Assert.Equal(TestCredentials.Read("connection-string.txt").Trim(), cs["connection_string"]);

        var nested = Config(Device("mode-nested"));
        Assert.Equal("edge-parent-01.factory.local", nested["parent_hostname"]);
        Assert.Equal("$upstream:443/azureiotedge-agent:1.6", ((TomlTable)((TomlTable)nested["agent"])["config"])["image"]);
    }

    [Fact]
    public void Agent_storage_is_bound_to_the_data_disk()
    {
        var agent = (TomlTable)Config(Device("mode-cs"))["agent"];
        var binds = (TomlArray)((TomlTable)((TomlTable)((TomlTable)agent["config"])["createOptions"])["HostConfig"])["Binds"];
        Assert.Equal("/var/lib/kvedge-data/edgeAgent:/iotedge/storage", binds[0]);
        Assert.Equal("/iotedge/storage", ((TomlTable)agent["env"])["storageFolder"]);
    }

    [Fact]
    public void Top_level_keys_come_before_any_table()
    {
        var text = ConfigTomlRenderer.RenderTemplate(Device("mode-nested"));
        var firstTable = text.IndexOf("\n[", StringComparison.Ordinal);
        Assert.True(text.IndexOf("parent_hostname", StringComparison.Ordinal) < firstTable);
        Assert.True(text.IndexOf("trust_bundle_cert", StringComparison.Ordinal) < firstTable);
    }

    [Fact]
    public void Credentials_are_redacted_unless_asked()
    {
        foreach (var name in new[] { "mode-cs", "mode-sas", "mode-dps-key", "mode-dps-group" })
        {
            var device = Device(name);
            var redacted = ConfigTomlRenderer.Resolve(ConfigTomlRenderer.RenderTemplate(device), DeviceCredentials.Values(device.Spec.IotEdge!), showSecrets: false);
            Assert.Contains("<redacted>", redacted, StringComparison.Ordinal);
            foreach (var secret in TestCredentials.SecretFragments())
            {
                Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
            }
        }
    }
}
