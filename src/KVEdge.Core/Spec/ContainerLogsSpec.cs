namespace KVEdge.Core.Spec;

public sealed class ContainerLogsSpec
{
    /// <summary>local, json-file or journald.</summary>
    public string Driver { get; set; } = "local";

    public string MaxSize { get; set; } = "10m";

    public int MaxFile { get; set; } = 3;
}
