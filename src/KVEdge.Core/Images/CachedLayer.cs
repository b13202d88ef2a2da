namespace KVEdge.Core.Images;

public sealed record CachedLayer(string Digest, long Size, string DiffId);
