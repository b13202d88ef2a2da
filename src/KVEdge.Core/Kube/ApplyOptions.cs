namespace KVEdge.Core.Kube;

public sealed record ApplyOptions(string FieldManager, bool Force, bool DryRun)
{
    /// <summary>The field manager kvedge writes as (server-side apply, and the merge patches it sends).</summary>
    public const string KvedgeFieldManager = "kvedge";

    /// <summary>The manager of a rollout's marks on a device's VM: not kvedge's, so an apply never prunes them.</summary>
    public const string RolloutFieldManager = "kvedge-rollout";
}
