namespace KVEdge.Core.Spec;

/// <summary>The device's Service: SSH plus any ports downstream devices reach (edgeHub 8883, 5671, 443).</summary>
public sealed class ExposeSpec
{
    /// <summary>None, ClusterIP, NodePort or LoadBalancer.</summary>
    public string Type { get; set; } = ExposeTypes.ClusterIP;

    public int SshPort { get; set; } = 22;

    /// <summary>Fixed node port for SSH (NodePort and LoadBalancer only).</summary>
    public int? SshNodePort { get; set; }

    public IList<ServicePortSpec> Ports { get; set; } = [];

    /// <summary>Cluster or Local (NodePort and LoadBalancer only).</summary>
    public string? ExternalTrafficPolicy { get; set; }

    public IList<string> LoadBalancerSourceRanges { get; set; } = [];

    public IDictionary<string, string> Annotations { get; set; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
}
