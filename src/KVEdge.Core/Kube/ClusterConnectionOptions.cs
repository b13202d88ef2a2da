namespace KVEdge.Core.Kube;

/// <summary>Where to find the cluster, as kubectl takes it: --kubeconfig, --context, KUBECONFIG, ~/.kube/config, in-cluster.</summary>
public sealed record ClusterConnectionOptions(string? Kubeconfig, string? Context);
