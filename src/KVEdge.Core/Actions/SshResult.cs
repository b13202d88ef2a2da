namespace KVEdge.Core.Actions;

/// <summary>The ssh command line that reaches the device (its arguments, without "ssh"), or why there is none.</summary>
public sealed record SshResult(IReadOnlyList<string> Arguments, string? User, SshTarget? Target, ActionFailure? Failure)
{
    public static SshResult Failed(FailureKind kind, string message) => new([], null, null, new ActionFailure(kind, message));
}
