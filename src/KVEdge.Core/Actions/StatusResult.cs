namespace KVEdge.Core.Actions;

/// <summary>The devices found, in the API server's order, or why the one asked for is not there.</summary>
public sealed record StatusResult(IReadOnlyList<DeviceStatus> Devices, ActionFailure? Failure);
