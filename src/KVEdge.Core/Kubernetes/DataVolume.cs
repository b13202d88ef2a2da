using k8s;
using k8s.Models;

namespace KVEdge.Core.Kubernetes;

/// <summary>The subset of cdi.kubevirt.io/v1beta1 DataVolume that kvedge renders; always <c>spec.storage</c>, never the deprecated <c>spec.pvc</c>.</summary>
[KubernetesEntity(Group = "cdi.kubevirt.io", ApiVersion = "v1beta1", Kind = "DataVolume", PluralName = "datavolumes")]
public sealed class DataVolume : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "cdi.kubevirt.io/v1beta1";

    public string Kind { get; set; } = "DataVolume";

    public V1ObjectMeta Metadata { get; set; } = new();

    public DataVolumeSpec Spec { get; set; } = new();
}

public sealed class DataVolumeSpec
{
    public DataVolumeSource? Source { get; set; }

    public DataVolumeSourceRef? SourceRef { get; set; }

    public StorageSpec Storage { get; set; } = new();
}

public sealed class DataVolumeSource
{
    public EmptyObject? Blank { get; set; }

    public HttpDataSource? Http { get; set; }

    public RegistryDataSource? Registry { get; set; }

    public PvcDataSource? Pvc { get; set; }
}

public sealed class HttpDataSource
{
    public string Url { get; set; } = "";

    public string? SecretRef { get; set; }

    public string? CertConfigMap { get; set; }

    public string? Checksum { get; set; }
}

public sealed class RegistryDataSource
{
    public string Url { get; set; } = "";

    public string? PullMethod { get; set; }

    public string? SecretRef { get; set; }

    public string? CertConfigMap { get; set; }
}

public sealed class PvcDataSource
{
    public string Name { get; set; } = "";

    public string Namespace { get; set; } = "";
}

public sealed class DataVolumeSourceRef
{
    public string Kind { get; set; } = "DataSource";

    public string Name { get; set; } = "";

    public string? Namespace { get; set; }
}

public sealed class StorageSpec
{
    public IList<string>? AccessModes { get; set; }

    public string? VolumeMode { get; set; }

    public string? StorageClassName { get; set; }

    public StorageResources Resources { get; set; } = new();
}

public sealed class StorageResources
{
    public IDictionary<string, string> Requests { get; set; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
}
