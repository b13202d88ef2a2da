namespace KVEdge.Core.Actions;

public enum CheckResult
{
    Pass,
    Warn,
    Fail,
}
