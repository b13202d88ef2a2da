using k8s.Models;

namespace KVEdge.Core.Spec;

/// <summary>Where the VM may run; the same shapes as a Pod's.</summary>
public sealed class PlacementSpec
{
    public IDictionary<string, string> NodeSelector { get; set; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public IList<V1Toleration> Tolerations { get; set; } = [];

    public V1Affinity? Affinity { get; set; }

    public string? PriorityClassName { get; set; }
}
