using k8s;
using k8s.Exceptions;

namespace KVEdge.Core.Cluster;

/// <summary>Where to find the cluster, as kubectl takes it: --kubeconfig, --context, KUBECONFIG, ~/.kube/config, in-cluster.</summary>
public sealed record ClusterConnectionOptions(string? Kubeconfig, string? Context);

/// <summary>
/// Resolves a connection like kubectl does, with one difference that matters: when nothing is configured it says so,
/// instead of KubernetesClient's silent fall back to http://localhost:8080.
/// </summary>
public static class ClusterConnection
{
    public static KubernetesClientConfiguration Resolve(ClusterConnectionOptions options, Func<string, string?> environment, string home)
    {
        var explicitPath = options.Kubeconfig;
        if (explicitPath is null && options.Context is null && environment("KUBECONFIG") is null
            && environment("KUBERNETES_SERVICE_HOST") is not null && KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        var path = explicitPath
            ?? environment("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(File.Exists)
            ?? Path.Combine(home, ".kube", "config");
        if (!File.Exists(path))
        {
            throw new ClusterUnavailableException(explicitPath is not null
                ? $"no kubeconfig at {path} (--kubeconfig)"
                : $"no cluster configured: no kubeconfig at {path}, KUBECONFIG is not set, and this is not a pod; pass --kubeconfig or set KUBECONFIG");
        }

        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, currentContext: options.Context);
        }
        catch (KubeConfigException ex)
        {
            throw new ClusterUnavailableException($"kubeconfig {path}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or FormatException)
        {
            throw new ClusterUnavailableException($"kubeconfig {path} cannot be read: {ex.Message}", ex);
        }
    }
}
