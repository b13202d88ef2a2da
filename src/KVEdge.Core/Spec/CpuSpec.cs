namespace KVEdge.Core.Spec;

public sealed class CpuSpec
{
    public int Cores { get; set; } = 2;

    public int Sockets { get; set; } = 1;

    public int Threads { get; set; } = 1;

    /// <summary>KubeVirt CPU model, e.g. host-passthrough; unset keeps KubeVirt's default (host-model).</summary>
    public string? Model { get; set; }

    public bool DedicatedCpuPlacement { get; set; }
}
