namespace KVEdge.Core.Kubernetes;

public sealed class DiskDevice
{
    public string Name { get; set; } = "";

    public int? BootOrder { get; set; }

    public string? Serial { get; set; }

    public DiskTarget? Disk { get; set; }
}
