namespace KVEdge.Core.Kubernetes;

public sealed class DomainResources
{
    public IDictionary<string, string>? Requests { get; set; }
}
