namespace KVEdge.Core.Actions;

/// <summary>Where a device's SSH port is reachable from outside the cluster, read from its Service.</summary>
public sealed record SshTarget(string? Host, int Port, string Note)
{
    public bool Reachable => Host is not null;
}
