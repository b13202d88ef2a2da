namespace KVEdge.Core.Actions;

/// <summary>A device to wait for: its DataVolumes (how many it rendered), and after a restart the instance being replaced.</summary>
public sealed record WaitTarget(string Namespace, string Device, int DataVolumes, string? ReplacedVmi = null)
{
    public string Key => $"{Namespace}/{Device}";
}
