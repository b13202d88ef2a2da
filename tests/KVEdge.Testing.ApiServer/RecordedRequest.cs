namespace KVEdge.Testing.ApiServer;

/// <summary>A request as the server saw it, for counting and golden assertions.</summary>
public sealed record RecordedRequest(int Index, string Method, string Path, string Query, bool DryRun)
{
    /// <summary>When the server received it.</summary>
    public DateTime At { get; } = DateTime.UtcNow;

    public bool IsWatch => Query.Contains("watch=true", StringComparison.Ordinal);

    public bool IsWrite => !DryRun && Method is "POST" or "PUT" or "PATCH" or "DELETE";

    public override string ToString() => $"{Method} {Path}{Query}";
}
