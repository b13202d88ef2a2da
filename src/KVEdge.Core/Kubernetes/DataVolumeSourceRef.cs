namespace KVEdge.Core.Kubernetes;

public sealed class DataVolumeSourceRef
{
    public string Kind { get; set; } = "DataSource";

    public string Name { get; set; } = "";

    public string? Namespace { get; set; }
}
