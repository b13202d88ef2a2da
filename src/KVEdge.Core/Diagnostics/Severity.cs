namespace KVEdge.Core.Diagnostics;

public enum Severity
{
    Warning,
    Error,
}
