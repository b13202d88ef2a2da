namespace KVEdge.Core.Actions;

public sealed record PreflightCheck(string Name, CheckResult Result, string Message);
