namespace KVEdge.Core.Kubernetes;

public sealed class Cpu
{
    public int Cores { get; set; }

    public int Sockets { get; set; }

    public int Threads { get; set; }

    public string? Model { get; set; }

    public bool? DedicatedCpuPlacement { get; set; }
}
