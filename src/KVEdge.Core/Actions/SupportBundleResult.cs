namespace KVEdge.Core.Actions;

/// <summary>The files the bundle holds, what the guest could not give (each also in the bundle), or why there is none.</summary>
public sealed record SupportBundleResult(IReadOnlyList<string> Entries, IReadOnlyList<string> Problems, ActionFailure? Failure);
