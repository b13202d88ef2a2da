using System.Reflection;
using KVEdge.Core.Spec;
using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>
/// A credential given with --set (shell history keeps it) is refused, and named by its path, never shown: on every
/// credential path, with every kind of secret, through every command that reads a spec.
/// </summary>
public sealed class CredentialSetFlagTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kvedge-cli-cred-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    /// <summary>Every property of the spec that carries [Credential], as its --set path.</summary>
    public static TheoryData<string> CredentialPaths()
    {
        var data = new TheoryData<string>();
        foreach (var p in typeof(CredentialsSpec).GetProperties().Where(p => p.GetCustomAttribute<CredentialAttribute>() is not null))
        {
            data.Add("spec.iotEdge.credentials." + char.ToLowerInvariant(p.Name[0]) + p.Name[1..]);
        }

        return data;
    }

    private static readonly (string Kind, string Value, string Fragment)[] Secrets =
    [
        ("connection string", "HostName=hub.azure-devices.net;DeviceId=edge-01;SharedAccessKey=c2V0LWZsYWctc2VjcmV0LWtleS0wMQ==", "c2V0LWZsYWctc2VjcmV0LWtleS0wMQ"),
        ("base64 key", "a2V5LWdpdmVuLXdpdGgtc2V0LWZsYWctMDAwMDAwMDA=", "a2V5LWdpdmVuLXdpdGgtc2V0LWZsYWct"),
        ("PEM private key", TestCredentials.Read("edge-x509.key.pem").Trim(), TestCredentials.Read("edge-x509.key.pem").Split('\n')[1][..40]),
        ("config.toml", "[provisioning]\nsource = \"manual\"\nconnection_string = \"HostName=h;DeviceId=d;SharedAccessKey=Y29uZmlnLXRvbWwtc2V0\"", "Y29uZmlnLXRvbWwtc2V0"),
    ];

    [Fact]
    public void Every_credential_property_is_covered() => Assert.True(CredentialPaths().Count >= 7);

    [Theory]
    [MemberData(nameof(CredentialPaths))]
    public void A_credential_on_the_command_line_is_named_never_shown(string path)
    {
        var spec = Path.Combine(_folder, "edge.yaml");
        File.WriteAllText(spec, Specs.Minimal("edge-01", "iotEdge:\n  provisioning: {source: manual, method: connectionString}\n"));
        foreach (var (kind, value, fragment) in Secrets)
        {
            foreach (var verb in new[] { "validate", "template", "config-toml", "install" })
            {
                string[] args = verb == "install" ? [verb, "-f", spec, "--dry-run=client"] : [verb, "-f", spec];
                var (code, console) = TestConsole.Run([.. args, "--set", $"{path}={value}"]);
                var output = console.Out + console.Err;
                Assert.True(code == 2, $"{verb} {path} ({kind}): exit {code}\n{output}");
                Assert.Contains($"--set {path}", output, StringComparison.Ordinal);
                Assert.Contains("value not shown", output, StringComparison.Ordinal);
                Assert.DoesNotContain(fragment, output, StringComparison.Ordinal);
                Assert.DoesNotContain("SharedAccessKey", output, StringComparison.Ordinal);
                Assert.DoesNotContain("PRIVATE KEY", output, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void An_assignment_without_a_path_is_not_echoed_either()
    {
        var spec = Path.Combine(_folder, "edge.yaml");
        File.WriteAllText(spec, Specs.Minimal("edge-01"));
        var (code, console) = TestConsole.Run("validate", "-f", spec, "--set", "c2V0LWZsYWctc2VjcmV0LWtleS0wMQ==");
        Assert.Equal(2, code);
        Assert.DoesNotContain("c2V0LWZsYWctc2VjcmV0LWtleS0wMQ", console.Err, StringComparison.Ordinal);
        Assert.Contains("--set: a path starts at apiVersion, kind, metadata, spec; got one of 30 character(s) (not shown)", console.Err, StringComparison.Ordinal);
    }
}
