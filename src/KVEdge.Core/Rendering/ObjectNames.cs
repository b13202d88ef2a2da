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
