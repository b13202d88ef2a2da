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
