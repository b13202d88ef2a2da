namespace KVEdge.Core.Spec;

public sealed class ContainerDiskSource
{
    public string? Image { get; set; }

    /// <summary>Always, IfNotPresent or Never.</summary>
    public string? ImagePullPolicy { get; set; }
}
