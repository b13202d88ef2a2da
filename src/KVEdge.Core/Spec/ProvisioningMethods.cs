namespace KVEdge.Core.Spec;

/// <summary>spec.iotEdge.provisioning.method: how the device proves who it is (EFLOW's Provision-EflowVm types).</summary>
public static class ProvisioningMethods
{
    public const string ConnectionString = "connectionString";
    public const string SymmetricKey = "symmetricKey";
    public const string X509 = "x509";
    public const string Tpm = "tpm";
}
