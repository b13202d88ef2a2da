namespace KVEdge.Core.Input;

/// <summary>A malformed <c>--set</c>/<c>--set-file</c> argument: a usage error, reported before any input is read.</summary>
public sealed class OverrideException(string message) : Exception(message);
