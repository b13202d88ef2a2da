namespace KVEdge.Core.Kubernetes;

public sealed class Efi
{
    public bool SecureBoot { get; set; }
}
