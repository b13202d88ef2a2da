namespace KVEdge.Core.Actions;

public sealed record RestartOptions(string Namespace, string Device);
