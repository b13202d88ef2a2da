using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>
/// One device as `kvedge status` shows it; RunStrategy to LiveMigratable are the `-o wide` columns. IotEdge is the
/// device's IoT Edge health: from the VMI's Ready condition (its readinessProbe runs the guest's health program), or,
/// with --health, the program's own verdict (<see cref="Health"/>). Readiness is where the device is on its way to
/// Ready, with a CamelCase reason (<see cref="DeviceReadiness"/>, the same answer --wait gives). Summary is the device
/// as an EdgeDevice's status holds it (<see cref="DeviceSummary"/>): for a device the operator runs, its EdgeDevice's
/// own conditions and observedGeneration.
/// </summary>
public sealed record DeviceStatus(
    string Namespace,
    string Name,
    string Status,
    bool Ready,
    string? Node,
    string? Ip,
    string? Import,
    string? Ssh,
    IReadOnlyList<string> Conditions,
    string? RunStrategy = null,
    string? Mac = null,
    string? GuestOs = null,
    string? LiveMigratable = null,
    string? IotEdge = null,
    HealthReport? Health = null,
    bool Running = false,
    DeviceReadiness? Readiness = null,
    EdgeDeviceStatus? Summary = null);
