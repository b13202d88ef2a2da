namespace KVEdge.Core.Kubernetes;

public sealed class Network
{
    public string Name { get; set; } = "";

    public EmptyObject? Pod { get; set; }
}
