namespace KVEdge.Core.Kubernetes;

public sealed class Domain
{
    public Cpu? Cpu { get; set; }

    public Memory? Memory { get; set; }

    public DomainResources? Resources { get; set; }

    public Firmware? Firmware { get; set; }

    public Features? Features { get; set; }

    public Devices Devices { get; set; } = new();
}
