namespace KVEdge.Core.Actions;

/// <summary>The checks in a fixed order (the table is always whole), and a failure when any failed.</summary>
public sealed record PreflightResult(IReadOnlyList<PreflightCheck> Checks, ActionFailure? Failure);
