namespace KVEdge.Core.Kubernetes;

public sealed class Memory
{
    public string? Guest { get; set; }
}
