namespace KVEdge.Core.Rendering;

/// <summary>Names of a device's objects, derived from the device name (an RFC 1035 label, so all fit).</summary>
public sealed record ObjectNames(string Device)
{
    public string VirtualMachine => Device;

    public string Service => Device;

    public string CloudInitSecret => $"{Device}-cloudinit";

    public string RootDisk => $"{Device}-root";

    public string DataDisk => $"{Device}-data";

    public string ConfigMap => $"{Device}-config";

    public string CredentialsSecret => $"{Device}-credentials";
}

public static class Roles
{
    public const string CloudInit = "cloud-init";
    public const string RootDisk = "root-disk";
    public const string DataDisk = "data-disk";
    public const string VirtualMachine = "vm";
    public const string Service = "service";
    public const string Config = "config";
    public const string Credentials = "credentials";
}

/// <summary>Disk serials the guest finds its disks by (/dev/disk/by-id/virtio-SERIAL).</summary>
public static class DiskSerials
{
    public const string Data = "kvedge-data";
    public const string Config = "kvedge-config";
    public const string Credentials = "kvedge-creds";
}
