namespace KVEdge.Core.Spec;

public sealed class RegistrySource
{
    /// <summary>docker://REPO:TAG or docker://REPO@sha256:DIGEST, or oci-archive://.</summary>
    public string? Url { get; set; }

    /// <summary>pod or node.</summary>
    public string? PullMethod { get; set; }

    public string? SecretRef { get; set; }

    public string? CertConfigMap { get; set; }
}
