using KVEdge.Core.Images;

namespace KVEdge.Core.Actions;

/// <summary>What `kvedge image build` (and a bake's publish step) is asked to do.</summary>
/// <param name="LayoutDir">An OCI layout to write (or add to); a temporary one is used, then deleted, when only pushing.</param>
/// <param name="CacheDir">The layer cache (~/.cache/kvedge/layers): what an unchanged disk's layer was, so it is not rebuilt.</param>
public sealed record ImageBuildOptions(DiskImage Disk, ImageReference Reference, string? LayoutDir, bool Push, bool PlainHttp, string Arch, string? MountFrom, string CacheDir);
