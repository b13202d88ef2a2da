namespace KVEdge.Core.Actions;

/// <summary>
/// What `kvedge status` shows: one namespace (null for every one, -A) and optionally one device. With
/// <see cref="Guest"/> (--health), the guest's health program is run in each running device, at most
/// <see cref="Concurrency"/> at a time.
/// </summary>
public sealed record StatusOptions(string? Namespace, string? Device = null)
{
    public Func<DeviceStatus, IGuestShell>? Guest { get; init; }

    public int Concurrency { get; init; } = 8;
}
