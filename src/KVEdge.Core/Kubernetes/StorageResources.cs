namespace KVEdge.Core.Kubernetes;

public sealed class StorageResources
{
    public IDictionary<string, string> Requests { get; set; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
}
