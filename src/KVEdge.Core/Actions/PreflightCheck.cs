namespace KVEdge.Core.Actions;

/// <summary>One row of the preflight table: what was checked, pass/warn/fail, and what it found or what to do.</summary>
public sealed record PreflightCheck(string Name, CheckResult Result, string Message);
