namespace KVEdge.Core.Kubernetes;

public sealed class LocalObjectReference
{
    public string Name { get; set; } = "";
}
