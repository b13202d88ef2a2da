namespace KVEdge.Core.Actions;

/// <summary>The pushed or written image: REGISTRY/REPOSITORY@DIGEST, or the failure.</summary>
public sealed record ImageBuildResult(string? Reference, ActionFailure? Failure);
