namespace KVEdge.Core.Kubernetes;

public sealed class VmiTemplate
{
    public TemplateMetadata Metadata { get; set; } = new();

    public VmiSpec Spec { get; set; } = new();
}
