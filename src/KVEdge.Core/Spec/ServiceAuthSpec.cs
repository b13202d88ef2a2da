namespace KVEdge.Core.Spec;

/// <summary>How kvedge authenticates to IoT Hub's or DPS's service API: a shared access policy's key, by Secret reference.</summary>
public sealed class ServiceAuthSpec
{
    public SasSecretRef? SasSecretRef { get; set; }
}
