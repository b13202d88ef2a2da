using k8s;
using k8s.Models;

namespace KVEdge.Core.Rendering;

/// <summary>A device's Kubernetes objects, in apply order (Secrets, DataVolumes, VirtualMachine, Service).</summary>
public sealed record RenderedDevice(string Namespace, string Name, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects)
{
    public string Key => $"{Namespace}/{Name}";
}
