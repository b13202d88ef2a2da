using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using KVEdge.Core.Rendering;

namespace KVEdge.Core.Cluster;

/// <summary>
/// What a fleet's objects look like on the cluster, read by one LIST per (namespace, kind) with kvedge's device
/// selector rather than a GET per object: a 1,000-device fleet is a few lists instead of thousands of reads, and an
/// unchanged object then needs no request at all. A list the user may not make (403) or a kind the cluster does not
/// serve (404) is left unlisted, and those objects are read one by one as before.
/// </summary>
public sealed class LiveObjects
{
    private readonly ConcurrentDictionary<(string Namespace, ClusterResource Resource), Dictionary<string, JsonObject>> listed = new();

    public int Lists { get; private set; }

    public static async Task<LiveObjects> LoadAsync(IClusterClient cluster, IReadOnlyList<RenderedDevice> devices, int concurrency, CancellationToken ct)
    {
        var live = new LiveObjects();
        var wanted = devices
            .SelectMany(d => d.Objects.Select(o => (d.Namespace, Resource: ClusterResource.ForKind(o.ApiVersion, o.Kind))))
            .Distinct()
            .ToList();
        await Parallel.ForEachAsync(wanted, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = ct }, async (key, token) =>
        {
            try
            {
                var list = await cluster.ListAsync(key.Resource, key.Namespace, StandardLabels.DeviceSelector(null), null, token).ConfigureAwait(false);
                live.listed[key] = list.Items.ToDictionary(i => i["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal);
            }
            catch (ClusterApiException)
            {
                // Not listable here (403 for a role that may get but not list, 404 without the CRD): read one by one.
            }
        }).ConfigureAwait(false);
        live.Lists = wanted.Count;
        return live;
    }

    /// <summary>Whether the kind was listed in the namespace; if so, <paramref name="obj"/> is the live object or null.</summary>
    public bool TryFind(string ns, ClusterResource resource, string name, out JsonObject? obj)
    {
        if (listed.TryGetValue((ns, resource), out var items))
        {
            obj = items.GetValueOrDefault(name);
            return true;
        }

        obj = null;
        return false;
    }
}
