namespace KVEdge.Core.Actions;

public enum DryRunMode
{
    None,
    Client,
    Server,
}
