using KVEdge.Core.Diagnostics;

namespace KVEdge.Core.Actions;

/// <summary>The verdicts and every diagnostic; <see cref="Failure"/> when any device is invalid.</summary>
public sealed record ValidateResult(IReadOnlyList<DeviceVerdict> Devices, DiagnosticBag Diagnostics)
{
    public ActionFailure? Failure => Diagnostics.HasErrors
        ? new ActionFailure(FailureKind.InvalidInput, $"{Diagnostics.ErrorCount} error(s) in {Devices.Count} device(s)")
        : null;
}
