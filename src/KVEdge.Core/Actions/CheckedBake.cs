using KVEdge.Core.Images;

namespace KVEdge.Core.Actions;

/// <summary>The options once checked: the probed base disk, the image reference and the boot's time limit.</summary>
public sealed record CheckedBake(ImageBakeOptions Options, DiskImage Base, ImageReference Reference, TimeSpan Limit);
