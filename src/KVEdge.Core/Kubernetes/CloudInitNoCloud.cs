namespace KVEdge.Core.Kubernetes;

public sealed class CloudInitNoCloud
{
    /// <summary>The JSON name is <c>secretRef</c>, not the Go field name <c>userDataSecretRef</c>.</summary>
    public LocalObjectReference? SecretRef { get; set; }

    public LocalObjectReference? NetworkDataSecretRef { get; set; }
}
