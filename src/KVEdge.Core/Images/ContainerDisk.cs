namespace KVEdge.Core.Images;

/// <summary>A built image: the layer, the config and the manifest, all stored as blobs in an OCI layout.</summary>
public sealed record ContainerDisk(Blob Layer, string DiffId, Blob Config, Blob Manifest, string LayoutDir);
