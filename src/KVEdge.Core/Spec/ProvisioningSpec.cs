namespace KVEdge.Core.Spec;

public sealed class ProvisioningSpec
{
    /// <summary>manual or dps.</summary>
    public string? Source { get; set; }

    /// <summary>connectionString (manual), symmetricKey, x509, tpm (dps).</summary>
    public string? Method { get; set; }

    public string? IothubHostname { get; set; }

    public string? DeviceId { get; set; }

    public string? IdScope { get; set; }

    public string? RegistrationId { get; set; }

    public string GlobalEndpoint { get; set; } = "https://global.azure-devices-provisioning.net";

    /// <summary>individual or group (DPS symmetric key); with group, kvedge derives the device key from the group key.</summary>
    public string Enrollment { get; set; } = "individual";
}
