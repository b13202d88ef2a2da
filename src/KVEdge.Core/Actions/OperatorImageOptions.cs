using KVEdge.Core.Images;

namespace KVEdge.Core.Actions;

/// <summary>What `kvedge image operator` builds from (a NativeAOT kvedge) and where the image goes.</summary>
public sealed record OperatorImageOptions(string Binary, ImageReference Reference, string? LayoutDir, bool Push, bool PlainHttp);
