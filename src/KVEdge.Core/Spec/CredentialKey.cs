using KVEdge.Core.Diagnostics;

namespace KVEdge.Core.Spec;

/// <summary>One secret input: its spec field, its key in the credentials Secret (and file on the guest's disk).</summary>
public sealed record CredentialKey(string Field, string SecretKey, Func<CredentialsSpec, string?> Value, Action<CredentialsSpec, string?> SetValue, Func<CredentialsSpec, string?> Env)
{
    public static readonly CredentialKey ConfigToml = new("configToml", "config.toml", c => c.ConfigToml, (c, v) => c.ConfigToml = v, c => c.ConfigTomlEnv);
    public static readonly CredentialKey ConnectionString = new("connectionString", "connection-string", c => c.ConnectionString, (c, v) => c.ConnectionString = v, c => c.ConnectionStringEnv);
    public static readonly CredentialKey SymmetricKey = new("symmetricKey", "symmetric-key", c => c.SymmetricKey, (c, v) => c.SymmetricKey = v, c => c.SymmetricKeyEnv);
    public static readonly CredentialKey IdentityCert = new("identityCert", "identity-cert.pem", c => c.IdentityCert, (c, v) => c.IdentityCert = v, c => c.IdentityCertEnv);
    public static readonly CredentialKey IdentityKey = new("identityKey", "identity-key.pem", c => c.IdentityKey, (c, v) => c.IdentityKey = v, c => c.IdentityKeyEnv);
    public static readonly CredentialKey EdgeCaCert = new("edgeCaCert", "edge-ca-cert.pem", c => c.EdgeCaCert, (c, v) => c.EdgeCaCert = v, c => c.EdgeCaCertEnv);
    public static readonly CredentialKey EdgeCaKey = new("edgeCaKey", "edge-ca-key.pem", c => c.EdgeCaKey, (c, v) => c.EdgeCaKey = v, c => c.EdgeCaKeyEnv);

    public static IReadOnlyList<CredentialKey> All { get; } = [ConfigToml, ConnectionString, SymmetricKey, IdentityCert, IdentityKey, EdgeCaCert, EdgeCaKey];

    /// <summary>The spec field, as messages name it.</summary>
    public string Path => FieldPath.ToString();

    /// <summary>The spec field naming the environment variable, as messages name it.</summary>
    public string EnvPath => EnvFieldPath.ToString();

    /// <summary>The spec field, as validation reports against it.</summary>
    public FieldPath FieldPath => FieldPath.Root("spec").Child("iotEdge").Child("credentials").Child(Field);

    /// <summary>The spec field naming the environment variable the value is read from.</summary>
    public FieldPath EnvFieldPath => FieldPath.Root("spec").Child("iotEdge").Child("credentials").Child(Field + "Env");

    /// <summary>The placeholder config.toml carries where aziot needs the value inline; the guest substitutes it.</summary>
    public string Placeholder => $"@@KVEDGE:{SecretKey}@@";
}
