namespace KVEdge.Core.Kubernetes;

public sealed class Firmware
{
    public string? Uuid { get; set; }

    public Bootloader? Bootloader { get; set; }
}
