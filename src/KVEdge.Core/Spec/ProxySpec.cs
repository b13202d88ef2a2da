namespace KVEdge.Core.Spec;

public sealed class ProxySpec
{
    /// <summary>http://[user:pass@]host:port, written to every place `iotedge check` compares.</summary>
    public string? HttpsProxy { get; set; }

    public IList<string> NoProxy { get; set; } = [];
}
