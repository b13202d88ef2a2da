using System.Net;
using System.Text.Json.Nodes;

using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

/// <summary>
/// Which address serves a NodePort device, for the user kvedge runs as. A cluster administrator lists the nodes. A
/// namespace-scoped user (the common grant on a shared cluster: an edit Role in the team's namespace) may not, since
/// nodes are cluster-scoped; such a user can still read the VMI's virt-launcher pod, whose status.hostIP is the
/// address of the node it runs on (kubelet's node IP), and a NodePort answers on that node whatever the Service's
/// externalTrafficPolicy. The pod carries the VMI's labels plus kubevirt.io=virt-launcher and
/// kubevirt.io/created-by=&lt;VMI uid&gt; (kubevirt/kubevirt v1.9.0 pkg/virt-controller/services/template.go).
/// </summary>
public sealed record NodeAddresses(IReadOnlyList<JsonObject>? Nodes, IReadOnlyDictionary<string, string>? HostIpByVmiUid)
{
    public static readonly NodeAddresses None = new([], null);

    /// <summary>The nodes when this user may list them; otherwise the launcher pods matching <paramref name="deviceSelector"/>
    /// in <paramref name="ns"/> (every namespace when null); neither when pods are forbidden too.</summary>
    public static async Task<NodeAddresses> ReadAsync(IClusterClient cluster, string? ns, string deviceSelector, CancellationToken ct)
    {
        try
        {
            return new NodeAddresses((await cluster.ListAsync(ClusterResource.Node, null, null, null, ct).ConfigureAwait(false)).Items, null);
        }
        catch (ClusterApiException ex) when (ex.Status == HttpStatusCode.Forbidden)
        {
        }

        try
        {
            var pods = await cluster.ListAsync(ClusterResource.Pod, ns, $"{LauncherLabel}=virt-launcher,{deviceSelector}", null, ct).ConfigureAwait(false);
            var byUid = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pod in pods.Items)
            {
                if (pod["metadata"]?["labels"]?[CreatedByLabel]?.GetValue<string>() is { Length: > 0 } uid
                    && pod["status"]?["hostIP"]?.GetValue<string>() is { Length: > 0 } hostIp)
                {
                    byUid[uid] = hostIp;
                }
            }

            return new NodeAddresses(null, byUid);
        }
        catch (ClusterApiException ex) when (ex.Status == HttpStatusCode.Forbidden)
        {
            return new NodeAddresses(null, null);
        }
    }

    /// <summary>The address of the node the VMI runs on, when only pods tell it.</summary>
    public string? HostIpOf(JsonObject? vmi) =>
        vmi?["metadata"]?["uid"]?.GetValue<string>() is { } uid && HostIpByVmiUid?.GetValueOrDefault(uid) is { } ip ? ip : null;

    private const string LauncherLabel = "kubevirt.io";
    private const string CreatedByLabel = "kubevirt.io/created-by";
}
