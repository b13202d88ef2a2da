using k8s;
using KVEdge.Core.Kube;

namespace KVEdge.Cli.Commands;

/// <summary>How a command reaches a cluster; tests pass one that builds clients with fast retries.</summary>
public delegate IClusterClient ClusterClientFactory(KubernetesClientConfiguration config);
