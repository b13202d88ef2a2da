namespace KVEdge.Core.Actions;

/// <summary>The device key, or every problem with the inputs (each message names the flag).</summary>
public sealed record DpsDeriveKeyResult(string? DeviceKey, IReadOnlyList<string> Problems)
{
    public ActionFailure? Failure => Problems.Count == 0 ? null : new ActionFailure(FailureKind.InvalidInput, string.Join("; ", Problems));
}
