namespace KVEdge.Core.Spec;

/// <summary>
/// A shared access policy key kept in a Secret of the device's namespace (never in the spec): kvedge signs short-lived
/// SAS tokens with it (learn.microsoft.com/azure/iot-hub/authenticate-authorization-sas).
/// </summary>
public sealed class SasSecretRef
{
    /// <summary>The Secret's name.</summary>
    public string? Name { get; set; }

    /// <summary>The Secret's key holding the policy's base64 key.</summary>
    public string Key { get; set; } = "key";

    /// <summary>The policy's name (registryReadWrite, iothubowner, provisioningserviceowner, ...).</summary>
    public string? PolicyName { get; set; }
}
