using KVEdge.Core.Images.Bake;

namespace KVEdge.Core.Actions;

/// <summary>What `kvedge image bake` is asked to do, as given on the command line (checked by <see cref="ImageBakeAction.Check"/>).</summary>
public sealed record ImageBakeOptions(
    string BaseImage, string Tag, string? LayoutDir, bool Push, bool PlainHttp, string Arch, string? Kernel, string? Initrd, string? Append,
    string Timeout, int MemoryMiB, string? OutputDisk, AcceleratorChoice Accel, string CacheDir);
