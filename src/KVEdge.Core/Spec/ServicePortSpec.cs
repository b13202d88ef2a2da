namespace KVEdge.Core.Spec;

public sealed class ServicePortSpec
{
    public string? Name { get; set; }

    public int Port { get; set; }

    /// <summary>Port in the guest; defaults to <see cref="Port"/>.</summary>
    public int? TargetPort { get; set; }

    /// <summary>TCP, UDP or SCTP.</summary>
    public string Protocol { get; set; } = "TCP";

    public int? NodePort { get; set; }
}
