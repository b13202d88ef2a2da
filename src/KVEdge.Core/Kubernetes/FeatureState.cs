namespace KVEdge.Core.Kubernetes;

/// <summary>KubeVirt feature toggle; an empty object means enabled.</summary>
public sealed class FeatureState
{
    public bool? Enabled { get; set; }
}
