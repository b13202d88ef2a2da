namespace KVEdge.Core.Images;

/// <summary>A content-addressed blob: its digest, size and media type.</summary>
public sealed record Blob(string Digest, long Size, string MediaType);
