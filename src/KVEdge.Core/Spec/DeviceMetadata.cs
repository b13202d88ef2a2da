namespace KVEdge.Core.Spec;

public sealed class DeviceMetadata
{
    public string? Name { get; set; }

    /// <summary>Defaults to <c>default</c> (or the command's <c>--namespace</c>).</summary>
    public string? Namespace { get; set; }

    public IDictionary<string, string> Labels { get; set; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public IDictionary<string, string> Annotations { get; set; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
}
