namespace KVEdge.Core.Kubernetes;

public sealed class DiskTarget
{
    /// <summary>Always virtio: KubeVirt's amd64 default (sata) is invisible to cloud kernels.</summary>
    public string Bus { get; set; } = "virtio";

    public bool? Readonly { get; set; }
}
