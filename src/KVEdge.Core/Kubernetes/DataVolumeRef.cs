namespace KVEdge.Core.Kubernetes;

public sealed class DataVolumeRef
{
    public string Name { get; set; } = "";
}
