namespace KVEdge.Core.Spec;

public sealed class DpsRegistrationSpec
{
    /// <summary>The DPS instance's service host, NAME.azure-devices-provisioning.net (not the global device endpoint).</summary>
    public string? ServiceHost { get; set; }

    public ServiceAuthSpec Auth { get; set; } = new();
}
