
namespace KVEdge.Core.Spec;

/// <summary>
/// Where the device's secrets come from. Values are never written in the spec: give them at render time with
/// --set-file or an environment variable named here (they go only into the device's credentials Secret), or name an
/// existing Secret so a GitOps repository holds none.
/// </summary>
public sealed class CredentialsSpec
{
    /// <summary>An existing Secret in the device's namespace with keys connection-string, symmetric-key, identity-cert.pem, identity-key.pem, edge-ca-cert.pem, edge-ca-key.pem.</summary>
    public string? ExistingSecret { get; set; }

    /// <summary>The existing Secret also holds edge-ca-cert.pem and edge-ca-key.pem (otherwise the quickstart Edge CA is used).</summary>
    public bool ExistingSecretHasEdgeCa { get; set; }

    /// <summary>A complete config.toml used verbatim instead of spec.iotEdge.provisioning (the upstream chart's azIotEdgeConfig).</summary>
    [Credential]
    public string? ConfigToml { get; set; }

    public string? ConfigTomlEnv { get; set; }

    [Credential]
    public string? ConnectionString { get; set; }

    public string? ConnectionStringEnv { get; set; }

    /// <summary>The device key, the DPS individual enrollment key, or (enrollment: group) the group key.</summary>
    [Credential]
    public string? SymmetricKey { get; set; }

    public string? SymmetricKeyEnv { get; set; }

    [Credential]
    public string? IdentityCert { get; set; }

    public string? IdentityCertEnv { get; set; }

    [Credential]
    public string? IdentityKey { get; set; }

    public string? IdentityKeyEnv { get; set; }

    [Credential]
    public string? EdgeCaCert { get; set; }

    public string? EdgeCaCertEnv { get; set; }

    [Credential]
    public string? EdgeCaKey { get; set; }

    public string? EdgeCaKeyEnv { get; set; }
}
