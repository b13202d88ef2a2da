namespace KVEdge.Core.Kube;

public enum ChangeAction
{
    Created,
    Configured,
    Unchanged,
    Deleted,
    Kept,
    Failed,
}
