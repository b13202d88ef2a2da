namespace KVEdge.Core.Kube;

public sealed record ApplyOptions(string FieldManager, bool Force, bool DryRun);
