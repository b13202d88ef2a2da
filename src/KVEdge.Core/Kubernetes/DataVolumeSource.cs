namespace KVEdge.Core.Kubernetes;

public sealed class DataVolumeSource
{
    public EmptyObject? Blank { get; set; }

    public HttpDataSource? Http { get; set; }

    public RegistryDataSource? Registry { get; set; }

    public PvcDataSource? Pvc { get; set; }
}
