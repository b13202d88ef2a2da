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

    /// <summary>
    /// A nested (child) device's parent gateway: its device id in the same hub. The child's identity gets the parent's
    /// device scope as its parent (parentScopes), which the parent's edgeHub checks before it lets the child connect.
    /// </summary>
    public string? ParentDeviceId { get; set; }
}
