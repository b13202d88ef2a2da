namespace KVEdge.Core.Kubernetes;

public sealed class DataVolumeSpec
{
    public DataVolumeSource? Source { get; set; }

    public DataVolumeSourceRef? SourceRef { get; set; }

    public StorageSpec Storage { get; set; } = new();
}
