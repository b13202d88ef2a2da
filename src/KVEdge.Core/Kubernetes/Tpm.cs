namespace KVEdge.Core.Kubernetes;

public sealed class Tpm
{
    public bool? Persistent { get; set; }
}
