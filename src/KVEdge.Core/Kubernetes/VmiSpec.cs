using k8s.Models;

namespace KVEdge.Core.Kubernetes;

public sealed class VmiSpec
{
    public Domain Domain { get; set; } = new();

    public string? Hostname { get; set; }

    public IDictionary<string, string>? NodeSelector { get; set; }

    public IList<V1Toleration>? Tolerations { get; set; }

    public V1Affinity? Affinity { get; set; }

    public string? PriorityClassName { get; set; }

    public string? EvictionStrategy { get; set; }

    public Probe? ReadinessProbe { get; set; }

    public long? TerminationGracePeriodSeconds { get; set; }

    public IList<Network> Networks { get; set; } = [];

    public IList<Volume> Volumes { get; set; } = [];
}
