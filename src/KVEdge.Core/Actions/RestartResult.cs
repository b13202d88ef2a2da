namespace KVEdge.Core.Actions;

public sealed record RestartResult(ActionFailure? Failure);
