namespace KVEdge.Core.Images.Bake;

public sealed record BakeResult(string Disk, TimeSpan BootTime);
