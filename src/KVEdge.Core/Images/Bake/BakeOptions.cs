namespace KVEdge.Core.Images.Bake;

public sealed record BakeOptions(
    string BaseImage,
    string WorkDir,
    TimeSpan Timeout,
    int MemoryMiB = 2048,
    int Cpus = 2,
    string? Kernel = null,
    string? Initrd = null,
    string? KernelArgs = null,
    Accelerator? Accelerator = null,
    TimeSpan? SilentLimit = null)
{
    /// <summary>A guest that prints nothing on its serial console for this long is not booting (default 5 minutes).</summary>
    public TimeSpan Silence => SilentLimit ?? TimeSpan.FromMinutes(5);

    public Accelerator Accel => Accelerator ?? Bake.Accelerator.ForHost(AcceleratorChoice.Auto);
}
