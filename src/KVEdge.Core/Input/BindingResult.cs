using KVEdge.Core.Diagnostics;

namespace KVEdge.Core.Input;

/// <summary>A typed object read from a document, plus where each of its fields stood.</summary>
public sealed class BindingResult<T>(T value, InputDocument document, IReadOnlyDictionary<string, SourceLocation> locations)
{
    public T Value { get; } = value;

    public InputDocument Document { get; } = document;

    /// <summary>The location of a field path, or of its nearest ancestor that was written.</summary>
    public SourceLocation Locate(string path)
    {
        var p = path;
        while (true)
        {
            if (locations.TryGetValue(p, out var location))
            {
                return location;
            }

            var cut = Math.Max(p.LastIndexOf('.'), p.LastIndexOf('['));
            if (cut <= 0)
            {
                return locations.TryGetValue("", out var root) ? root : SourceLocation.ForFile(Document.File, Document.Index);
            }

            p = p[..cut];
        }
    }

    public bool IsSet(string path) => locations.ContainsKey(path);
}
