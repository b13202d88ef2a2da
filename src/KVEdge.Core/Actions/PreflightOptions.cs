using KVEdge.Core.Spec;

namespace KVEdge.Core.Actions;

/// <summary>What `kvedge preflight` checks: the namespace devices go to, and the devices whose needs are checked too (may be none).</summary>
public sealed record PreflightOptions(string Namespace, IReadOnlyList<EdgeDevice> Devices);
