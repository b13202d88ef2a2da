namespace KVEdge.Core.Spec;

/// <summary>
/// spec.iotEdge.registration: kvedge creates the device's identity in IoT Hub (source manual) or its individual
/// enrollment in DPS (source dps) from this spec, puts the key it gets into the device's credentials Secret, tags the
/// device for its fleet's base deployment (edgeAgent and edgeHub, edgeHub's store on the data disk), and on uninstall
/// does what <see cref="OnDelete"/> says. Without it the identity is the user's to create.
/// </summary>
public sealed class RegistrationSpec
{
    /// <summary>The hub: where a manual device's identity is made, and where the base deployment lives (for DPS devices too).</summary>
    public IotHubRegistrationSpec? IotHub { get; set; }

    /// <summary>The DPS instance whose individual enrollment a dps device gets (the ID scope is the provisioning's).</summary>
    public DpsRegistrationSpec? Dps { get; set; }

    /// <summary>What uninstall does to the identity or enrollment: Disable (default), Delete (only with --purge), Orphan.</summary>
    public string OnDelete { get; set; } = RegistrationOnDelete.Disable;

    public BaseDeploymentSpec BaseDeployment { get; set; } = new();
}
