namespace KVEdge.Core.Spec;

public sealed class PvcSource
{
    public string? Name { get; set; }

    /// <summary>Defaults to the device's namespace.</summary>
    public string? Namespace { get; set; }
}
