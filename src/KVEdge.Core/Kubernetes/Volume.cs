namespace KVEdge.Core.Kubernetes;

public sealed class Volume
{
    public string Name { get; set; } = "";

    public ContainerDiskVolume? ContainerDisk { get; set; }

    public DataVolumeRef? DataVolume { get; set; }

    public CloudInitNoCloud? CloudInitNoCloud { get; set; }

    public SecretVolume? Secret { get; set; }

    public ConfigMapVolume? ConfigMap { get; set; }
}
