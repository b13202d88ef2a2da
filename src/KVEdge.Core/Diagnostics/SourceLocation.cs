namespace KVEdge.Core.Diagnostics;

/// <summary>Where a value came from: a file position, or a command-line override such as <c>--set</c>.</summary>
public sealed record SourceLocation(string File, int Document, int Line, int Column, string? Origin = null)
{
    public static SourceLocation ForFile(string file, int document) => new(file, document, 0, 0);

    public override string ToString()
    {
        var position = Line > 0 ? $"{File}:{Line}:{Column}" : File;
        var where = $"{position} (document {Document})";
        return Origin is null ? where : $"{where} from {Origin}";
    }
}
