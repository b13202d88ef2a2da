namespace KVEdge.Core.Kubernetes;

public sealed class Features
{
    public FeatureState? Smm { get; set; }
}
