namespace KVEdge.Core.Actions;

/// <summary>An action's one failure: its kind and a message for a person (no credential, bounded).</summary>
public sealed record ActionFailure(FailureKind Kind, string Message);
