namespace KVEdge.Core.Kubernetes;

/// <summary>Serializes as <c>{}</c>: KubeVirt's marker objects (masquerade, pod, bios) must never be null.</summary>
public sealed class EmptyObject;
