namespace KVEdge.Core.Actions;

/// <summary>How `kvedge ssh` and the guest verbs reach the device's SSH port.</summary>
public enum SshRoute
{
    /// <summary>Through the API server: KubeVirt's VMI portforward subresource (as `virtctl ssh`), for every expose type.</summary>
    Api,

    /// <summary>The device's Service, from outside the cluster (NodePort or LoadBalancer).</summary>
    Service,
}
