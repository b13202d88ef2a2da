namespace KVEdge.Core.Kubernetes;

public sealed class HttpDataSource
{
    public string Url { get; set; } = "";

    public string? SecretRef { get; set; }

    public string? CertConfigMap { get; set; }

    public string? Checksum { get; set; }
}
