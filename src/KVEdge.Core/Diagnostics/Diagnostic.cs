namespace KVEdge.Core.Diagnostics;

/// <summary>
/// One finding about the input. <see cref="Path"/> is the field path inside the document
/// (<c>spec.cpu.cores</c>); <see cref="Rule"/> is a short stable identifier tests and users can grep for.
/// Messages never contain credential values.
/// </summary>
public sealed record Diagnostic(Severity Severity, SourceLocation Location, string Path, string Rule, string Message)
{
    public bool IsError => Severity == Severity.Error;

    public override string ToString()
    {
        var level = Severity == Severity.Error ? "error" : "warning";
        var path = string.IsNullOrEmpty(Path) ? "(document)" : Path;
        return $"{level}: {Location}: {path}: {Message} [rule: {Rule}]";
    }
}
