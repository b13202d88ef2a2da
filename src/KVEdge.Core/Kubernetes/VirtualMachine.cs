using k8s;
using k8s.Models;

namespace KVEdge.Core.Kubernetes;

/// <summary>The subset of kubevirt.io/v1 VirtualMachine that kvedge renders. Field names follow the KubeVirt API exactly.</summary>
[KubernetesEntity(Group = "kubevirt.io", ApiVersion = "v1", Kind = "VirtualMachine", PluralName = "virtualmachines")]
public sealed class VirtualMachine : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "kubevirt.io/v1";

    public string Kind { get; set; } = "VirtualMachine";

    public V1ObjectMeta Metadata { get; set; } = new();

    public VirtualMachineSpec Spec { get; set; } = new();
}
