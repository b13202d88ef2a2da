namespace KVEdge.Core.Kubernetes;

public sealed class SecretVolume
{
    public string SecretName { get; set; } = "";

    public string? VolumeLabel { get; set; }
}
