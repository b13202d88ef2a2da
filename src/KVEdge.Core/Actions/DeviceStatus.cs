namespace KVEdge.Core.Actions;

/// <summary>One device as `kvedge status` shows it.</summary>
public sealed record DeviceStatus(
    string Namespace,
    string Name,
    string Status,
    bool Ready,
    string? Node,
    string? Ip,
    string? Import,
    string? Ssh,
    IReadOnlyList<string> Conditions);
