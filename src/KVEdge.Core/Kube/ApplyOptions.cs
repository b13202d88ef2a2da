namespace KVEdge.Core.Kube;

public sealed record ApplyOptions(string FieldManager, bool Force, bool DryRun)
{
    /// <summary>The field manager kvedge writes as (server-side apply, and the merge patches it sends).</summary>
    public const string KvedgeFieldManager = "kvedge";
}
