namespace KVEdge.Core.Spec;

/// <summary>spec.iotEdge.registration.onDelete: what uninstall does to the device's identity or enrollment.</summary>
public static class RegistrationOnDelete
{
    /// <summary>Sets it disabled: the device can no longer connect, its twin and keys are kept for a reinstall.</summary>
    public const string Disable = "Disable";

    /// <summary>Deletes it, only when uninstall is given --purge (otherwise it is disabled).</summary>
    public const string Delete = "Delete";

    /// <summary>Leaves it as it is.</summary>
    public const string Orphan = "Orphan";

    public static readonly string[] All = [Disable, Delete, Orphan];
}
