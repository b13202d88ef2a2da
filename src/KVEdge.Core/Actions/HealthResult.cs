namespace KVEdge.Core.Actions;

/// <summary>The health program's verdict, or why there is none.</summary>
public sealed record HealthResult(HealthReport? Report, ActionFailure? Failure);
