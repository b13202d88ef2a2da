namespace KVEdge.Core.Kubernetes;

public sealed class RegistryDataSource
{
    public string Url { get; set; } = "";

    public string? PullMethod { get; set; }

    public string? SecretRef { get; set; }

    public string? CertConfigMap { get; set; }
}
