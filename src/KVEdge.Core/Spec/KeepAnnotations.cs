namespace KVEdge.Core.Spec;

/// <summary>
/// What keeps a user's data (the data disk, a kept vTPM state) when the tool that applied it deletes or prunes: Helm's
/// resource policy (helm.sh/docs, "Tell Helm Not To Uninstall a Resource"), Flux's prune opt-out
/// (fluxcd.io/flux/components/kustomize/kustomizations, "Prune": kustomize.toolkit.fluxcd.io/prune: disabled) and
/// Argo CD's sync options (argo-cd.readthedocs.io, "Sync Options": Delete=false, Prune=false).
/// </summary>
public static class KeepAnnotations
{
    public static readonly IReadOnlyDictionary<string, string> All = new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["argocd.argoproj.io/sync-options"] = "Delete=false,Prune=false",
        ["helm.sh/resource-policy"] = "keep",
        ["kustomize.toolkit.fluxcd.io/prune"] = "disabled",
    };
}
