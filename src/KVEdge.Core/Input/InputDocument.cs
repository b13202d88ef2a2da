using KVEdge.Core.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace KVEdge.Core.Input;

/// <summary>One YAML document of an input file, with the bookkeeping needed to point at its lines.</summary>
public sealed class InputDocument(string file, int index, YamlMappingNode root)
{
    private readonly Dictionary<YamlNode, string> _origins = new(ReferenceEqualityComparer.Instance);

    public string File { get; } = file;

    /// <summary>1-based position of the document in its file.</summary>
    public int Index { get; } = index;

    public YamlMappingNode Root { get; } = root;

    /// <summary>Marks a node as written by a command-line override rather than read from the file.</summary>
    public void SetOrigin(YamlNode node, string origin) => _origins[node] = origin;

    public bool IsOverride(YamlNode node) => _origins.ContainsKey(node);

    public string? OriginOf(YamlNode node) => _origins.GetValueOrDefault(node);

    public SourceLocation Locate(YamlNode node)
    {
        if (_origins.TryGetValue(node, out var origin))
        {
            return new SourceLocation(File, Index, 0, 0, origin);
        }

        return new SourceLocation(File, Index, (int)node.Start.Line, (int)node.Start.Column);
    }
}
