namespace KVEdge.Core.Kubernetes;

public sealed class Devices
{
    public IList<DiskDevice> Disks { get; set; } = [];

    public IList<NetworkInterface> Interfaces { get; set; } = [];

    public EmptyObject? Rng { get; set; }

    public Tpm? Tpm { get; set; }
}
