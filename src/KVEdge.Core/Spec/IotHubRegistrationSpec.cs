namespace KVEdge.Core.Spec;

public sealed class IotHubRegistrationSpec
{
    /// <summary>NAME.azure-devices.net: the hub's registry, twins and deployments are reached there.</summary>
    public string? Hostname { get; set; }

    public ServiceAuthSpec Auth { get; set; } = new();

    /// <summary>
    /// For provisioning method x509 (manual): selfSigned registers the identity certificate's thumbprint;
    /// certificateAuthority trusts a CA verified in the hub.
    /// </summary>
    public string X509Authentication { get; set; } = "selfSigned";
}
