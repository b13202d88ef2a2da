namespace KVEdge.Core.Rendering;

/// <summary>Disk serials the guest finds its disks by (/dev/disk/by-id/virtio-SERIAL).</summary>
public static class DiskSerials
{
    public const string Data = "kvedge-data";
    public const string Config = "kvedge-config";
    public const string Credentials = "kvedge-creds";
}
