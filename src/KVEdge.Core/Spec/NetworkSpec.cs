namespace KVEdge.Core.Spec;

public sealed class NetworkSpec
{
    /// <summary>Stable MAC of the pod-network interface; derived from namespace/name when unset (locally administered, unicast).</summary>
    public string? MacAddress { get; set; }
}
