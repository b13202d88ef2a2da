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
