namespace KVEdge.Core.Spec;

public sealed class DataSourceRef
{
    public string? Name { get; set; }

    public string? Namespace { get; set; }
}
