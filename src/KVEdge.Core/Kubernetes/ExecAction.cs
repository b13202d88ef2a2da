namespace KVEdge.Core.Kubernetes;

/// <summary>k8s.io/api/core/v1 ExecAction: the command, as argv (no shell).</summary>
public sealed class ExecAction
{
    public IList<string> Command { get; set; } = [];
}
