namespace KVEdge.Core.Kubernetes;

public sealed class ConfigMapVolume
{
    public string Name { get; set; } = "";

    public string? VolumeLabel { get; set; }
}
