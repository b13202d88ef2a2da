namespace KVEdge.Core.Spec;

/// <summary>
/// How kvedge authenticates to IoT Hub's or DPS's service API, one of: a shared access policy's key, by Secret
/// reference; or Entra ID, the identity of wherever kvedge runs.
/// </summary>
public sealed class ServiceAuthSpec
{
    public SasSecretRef? SasSecretRef { get; set; }

    public EntraAuthSpec? Entra { get; set; }
}
