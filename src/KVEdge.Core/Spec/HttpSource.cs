namespace KVEdge.Core.Spec;

public sealed class HttpSource
{
    public string? Url { get; set; }

    /// <summary>Secret with accessKeyId/secretKey for the server.</summary>
    public string? SecretRef { get; set; }

    /// <summary>ConfigMap holding the CA certificate of the server.</summary>
    public string? CertConfigMap { get; set; }

    /// <summary>sha256:HEX etc., checked by CDI after download.</summary>
    public string? Checksum { get; set; }
}
