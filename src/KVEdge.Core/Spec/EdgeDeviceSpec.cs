namespace KVEdge.Core.Spec;

public sealed class EdgeDeviceSpec
{
    /// <summary>KubeVirt run strategy: Always, Halted, Manual, RerunOnFailure or Once.</summary>
    public string RunStrategy { get; set; } = "Always";

    public CpuSpec Cpu { get; set; } = new();

    /// <summary>Guest memory, a Kubernetes quantity.</summary>
    public string Memory { get; set; } = "4Gi";

    /// <summary>Guest hostname; defaults to the device name.</summary>
    public string? Hostname { get; set; }

    public PlacementSpec Placement { get; set; } = new();

    /// <summary>None, LiveMigrate, LiveMigrateIfPossible or External; unset keeps the cluster's default.</summary>
    public string? EvictionStrategy { get; set; }

    public FirmwareSpec Firmware { get; set; } = new();

    public NetworkSpec Network { get; set; } = new();

    public RootDiskSpec RootDisk { get; set; } = new();

    public DataDiskSpec DataDisk { get; set; } = new();

    public SshSpec Ssh { get; set; } = new();

    public ExposeSpec Expose { get; set; } = new();

    /// <summary>For the operator: while true it writes nothing for this device (as Flux's suspend); the CLI ignores it.</summary>
    public bool Suspend { get; set; }

    /// <summary>The IoT Edge runtime; without it the VM gets no IoT Edge (a warning).</summary>
    public IotEdgeSpec? IotEdge { get; set; }
}
