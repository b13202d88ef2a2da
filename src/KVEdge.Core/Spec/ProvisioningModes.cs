namespace KVEdge.Core.Spec;

/// <summary>The provisioning modes (EFLOW's Provision-EflowVm types and aziot's config), and what each needs.</summary>
public static class ProvisioningModes
{
    public static readonly string[] Sources = [ProvisioningSources.Manual, ProvisioningSources.Dps];
    public static readonly string[] ManualMethods = [ProvisioningMethods.ConnectionString, ProvisioningMethods.SymmetricKey, ProvisioningMethods.X509];
    public static readonly string[] DpsMethods = [ProvisioningMethods.SymmetricKey, ProvisioningMethods.X509, ProvisioningMethods.Tpm];

    /// <summary>aziot-edge version → the aziot-identity-service version its package pins exactly.</summary>
    public static readonly IReadOnlyDictionary<string, string> IdentityServiceFor = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["1.5.21"] = "1.5.6",
        ["1.6.0"] = "1.6.0",
    };

    /// <summary>The device gets a config.toml given verbatim rather than one built from spec.iotEdge.provisioning.</summary>
    public static bool IsVerbatim(IotEdgeSpec iot) => iot.Credentials.ConfigToml is not null || iot.Credentials.ConfigTomlEnv is not null;

    /// <summary>The credentials a mode reads; any other given credential is an error.</summary>
    public static IReadOnlyList<CredentialKey> RequiredCredentials(IotEdgeSpec iot) => IsVerbatim(iot) ? [CredentialKey.ConfigToml] : (iot.Provisioning.Source, iot.Provisioning.Method) switch
    {
        (ProvisioningSources.Manual, ProvisioningMethods.ConnectionString) => [CredentialKey.ConnectionString],
        (ProvisioningSources.Manual, ProvisioningMethods.SymmetricKey) or (ProvisioningSources.Dps, ProvisioningMethods.SymmetricKey) => [CredentialKey.SymmetricKey],
        (ProvisioningSources.Manual, ProvisioningMethods.X509) or (ProvisioningSources.Dps, ProvisioningMethods.X509) => [CredentialKey.IdentityCert, CredentialKey.IdentityKey],
        _ => [],
    };

    /// <summary>
    /// The device's symmetric key may be left out: kvedge registers the identity or enrollment, the service generates the
    /// key and kvedge puts it into the credentials Secret (a key given is registered instead).
    /// </summary>
    public static bool RegistrationSuppliesKey(IotEdgeSpec iot) =>
        iot.Registration is not null && !IsVerbatim(iot) && iot.Provisioning is { Method: ProvisioningMethods.SymmetricKey, Enrollment: "individual" };

    /// <summary>The device gets its Edge CA certificate from kvedge (given, from the environment, or in existingSecret).</summary>
    public static bool HasEdgeCaCertificate(CredentialsSpec c) =>
        c.EdgeCaCert is not null || c.EdgeCaCertEnv is not null || (c.ExistingSecret is not null && c.ExistingSecretHasEdgeCa);

    public static string IdentityServiceVersion(IotEdgeSpec spec) =>
        spec.IdentityServiceVersion ?? IdentityServiceFor.GetValueOrDefault(spec.Version) ?? "";

    /// <summary>The edgeAgent image without its tag; the tag is the version's MAJOR.MINOR.</summary>
    public const string AgentImageRepository = "mcr.microsoft.com/azureiotedge-agent";

    public static string AgentImage(IotEdgeSpec spec)
    {
        if (spec.Agent.Image is { } image)
        {
            return image;
        }

        var parts = spec.Version.Split('.');
        return $"{AgentImageRepository}:{parts[0]}.{(parts.Length > 1 ? parts[1] : "0")}";
    }
}
