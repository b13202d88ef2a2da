namespace KVEdge.Core.Actions;

/// <summary>What `kvedge status` shows: one namespace (null for every one, -A) and optionally one device.</summary>
public sealed record StatusOptions(string? Namespace, string? Device = null);
