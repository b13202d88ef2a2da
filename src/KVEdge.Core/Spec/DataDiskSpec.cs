namespace KVEdge.Core.Spec;

/// <summary>
/// The persistent disk that holds IoT Edge state (EdgeHub's queue, identities, container data).
/// A standalone DataVolume with no owner, so deleting the VM never deletes it.
/// </summary>
public sealed class DataDiskSpec
{
    public string Size { get; set; } = "10Gi";

    public string? StorageClassName { get; set; }

    public string? AccessMode { get; set; }

    public string? VolumeMode { get; set; }

    /// <summary>Where the guest mounts the disk; container data-root, /var/lib/aziot and module storage live below it.</summary>
    public string MountPath { get; set; } = "/var/lib/kvedge-data";
}
