namespace KVEdge.Core.Kubernetes;

public sealed class PvcDataSource
{
    public string Name { get; set; } = "";

    public string Namespace { get; set; } = "";
}
