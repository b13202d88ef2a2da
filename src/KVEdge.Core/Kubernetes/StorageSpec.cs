namespace KVEdge.Core.Kubernetes;

public sealed class StorageSpec
{
    public IList<string>? AccessModes { get; set; }

    public string? VolumeMode { get; set; }

    public string? StorageClassName { get; set; }

    public StorageResources Resources { get; set; } = new();
}
