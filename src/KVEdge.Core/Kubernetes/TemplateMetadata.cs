namespace KVEdge.Core.Kubernetes;

public sealed class TemplateMetadata
{
    public IDictionary<string, string>? Annotations { get; set; }

    public IDictionary<string, string>? Labels { get; set; }
}
