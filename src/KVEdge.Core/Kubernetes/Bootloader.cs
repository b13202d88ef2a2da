namespace KVEdge.Core.Kubernetes;

public sealed class Bootloader
{
    public EmptyObject? Bios { get; set; }

    public Efi? Efi { get; set; }
}
