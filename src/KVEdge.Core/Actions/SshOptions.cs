namespace KVEdge.Core.Actions;

public sealed record SshOptions(string Namespace, string Device, string? User = null, string? Identity = null);
