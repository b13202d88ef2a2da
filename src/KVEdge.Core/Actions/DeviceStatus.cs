namespace KVEdge.Core.Actions;

/// <summary>One device as `kvedge status` shows it; the last four are the `-o wide` columns.</summary>
public sealed record DeviceStatus(
    string Namespace,
    string Name,
    string Status,
    bool Ready,
    string? Node,
    string? Ip,
    string? Import,
    string? Ssh,
    IReadOnlyList<string> Conditions,
    string? RunStrategy = null,
    string? Mac = null,
    string? GuestOs = null,
    string? LiveMigratable = null);
