namespace KVEdge.Core.Kubernetes;

public sealed class NetworkInterface
{
    public string Name { get; set; } = "";

    public EmptyObject? Masquerade { get; set; }

    public string? MacAddress { get; set; }

    public string? Model { get; set; }
}
