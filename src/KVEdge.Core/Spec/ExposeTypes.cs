namespace KVEdge.Core.Spec;

/// <summary>spec.expose.type: None (no Service), or the Kubernetes Service type that exposes the device's SSH and ports.</summary>
public static class ExposeTypes
{
    public const string None = "None";
    public const string ClusterIP = "ClusterIP";
    public const string NodePort = "NodePort";
    public const string LoadBalancer = "LoadBalancer";

    public static readonly string[] All = [None, ClusterIP, NodePort, LoadBalancer];
}
