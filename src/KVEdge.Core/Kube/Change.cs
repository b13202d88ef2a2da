namespace KVEdge.Core.Kube;

/// <summary>One line of a change set, printed as kubectl prints it: "virtualmachine.kubevirt.io/edge-01 configured".</summary>
public sealed record Change(string Device, ClusterResource Resource, string Namespace, string Name, ChangeAction Action, string? Detail = null)
{
    public string Verb => Action.ToString().ToLowerInvariant();

    public override string ToString() => $"{Resource.DisplayName}/{Name} {Verb}{(Detail is null ? "" : $" ({Detail})")}";
}
