namespace KVEdge.Core.Kubernetes;

public sealed class ContainerDiskVolume
{
    public string Image { get; set; } = "";

    public string? ImagePullPolicy { get; set; }
}
