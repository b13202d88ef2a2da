namespace KVEdge.Core.Images;

public sealed record PushResult(string ManifestDigest, long UploadedBytes, int BlobsSkipped, int BlobsMounted);
