namespace KVEdge.Core.Spec;

/// <summary>The OS disk: exactly one source. With no source, the default Ubuntu containerDisk is imported by CDI.</summary>
public sealed class RootDiskSpec
{
    public const string DefaultImage = "docker://quay.io/containerdisks/ubuntu:24.04";

    /// <summary>Ephemeral: a fresh copy of the image at every VM start.</summary>
    public ContainerDiskSource? ContainerDisk { get; set; }

    public HttpSource? Http { get; set; }

    public RegistrySource? Registry { get; set; }

    /// <summary>Clone of an existing PVC.</summary>
    public PvcSource? Pvc { get; set; }

    /// <summary>Clone of a CDI DataSource (e.g. a golden image kept fresh by a DataImportCron).</summary>
    public DataSourceRef? DataSource { get; set; }

    public string Size { get; set; } = "20Gi";

    public string? StorageClassName { get; set; }

    /// <summary>ReadWriteOnce, ReadWriteMany, ReadOnlyMany or ReadWriteOncePod; unset lets CDI's StorageProfile choose.</summary>
    public string? AccessMode { get; set; }

    /// <summary>Filesystem or Block; unset lets CDI's StorageProfile choose.</summary>
    public string? VolumeMode { get; set; }
}

public sealed class ContainerDiskSource
{
    public string? Image { get; set; }

    /// <summary>Always, IfNotPresent or Never.</summary>
    public string? ImagePullPolicy { get; set; }
}

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

public sealed class RegistrySource
{
    /// <summary>docker://REPO:TAG or docker://REPO@sha256:DIGEST, or oci-archive://.</summary>
    public string? Url { get; set; }

    /// <summary>pod or node.</summary>
    public string? PullMethod { get; set; }

    public string? SecretRef { get; set; }

    public string? CertConfigMap { get; set; }
}

public sealed class PvcSource
{
    public string? Name { get; set; }

    /// <summary>Defaults to the device's namespace.</summary>
    public string? Namespace { get; set; }
}

public sealed class DataSourceRef
{
    public string? Name { get; set; }

    public string? Namespace { get; set; }
}
