namespace KVEdge.Core.Kubernetes;

public sealed class VirtualMachineSpec
{
    public string? RunStrategy { get; set; }

    public VmiTemplate Template { get; set; } = new();
}
