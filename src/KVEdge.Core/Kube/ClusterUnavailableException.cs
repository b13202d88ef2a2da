namespace KVEdge.Core.Kube;

/// <summary>No cluster to talk to: no configuration found, or the API server does not answer.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
