using System.Text.Json.Nodes;
using KVEdge.Core.Rendering;

using KVEdge.Core.Spec;

using KVEdge.Core.Kube;

namespace KVEdge.Core.Actions;

/// <summary>
/// What a fleet's objects look like on the cluster, read by one LIST per (namespace, kind) with kvedge's device
/// selector (<see cref="FleetLists"/>) rather than a GET per object: a 1,000-device fleet is a few lists instead of
/// thousands of reads, and an unchanged object then needs no request at all. A list the user may not make (403) or a
/// kind the cluster does not serve (404) is left unlisted, and those objects are read one by one as before.
/// </summary>
public sealed class LiveObjects
{
    private readonly Dictionary<(string Namespace, ClusterResource Resource), Dictionary<string, JsonObject>> _listed = [];

    public static async Task<LiveObjects> LoadAsync(IClusterClient cluster, IReadOnlyList<RenderedDevice> devices, int concurrency, CancellationToken ct)
    {
        var wanted = devices
            .SelectMany(d => d.Objects.Select(o => (d.Namespace, Resource: ClusterResource.ForKind(o.ApiVersion, o.Kind), Selector: StandardLabels.DeviceSelector(null))))
            .Distinct()
            .ToList();
        var lists = await FleetLists.LoadAsync(cluster, wanted, concurrency, ct).ConfigureAwait(false);
        if (lists.Unavailable is { } silent)
        {
            throw silent;
        }

        // A LIST answered 404 means the API server does not serve the kind at all (a list in a namespace that does not
        // exist is an empty 200): KubeVirt or CDI is missing. Said before anything is written, rather than applying
        // the Secrets and the ConfigMap and then failing on the first DataVolume with a bare 404.
        var unserved = wanted.Where(w => lists.Failure(w.Namespace, w.Resource) is ClusterApiException { IsNotFound: true })
            .Select(w => w.Resource).Distinct().OrderBy(r => r.DisplayName, StringComparer.Ordinal).ToList();
        if (unserved.Count > 0)
        {
            var missing = unserved.Select(r => r.Group switch
            {
                "kubevirt.io" => "KubeVirt",
                "cdi.kubevirt.io" => "CDI",
                _ => r.Group,
            }).Distinct();
            throw new ClusterApiException(System.Net.HttpStatusCode.NotFound, "NotServed",
                $"the cluster does not serve {string.Join(", ", unserved.Select(r => $"{r.Plural}.{r.Group}/{r.Version}"))}: {string.Join(" and ", missing)} is not installed (or not this version); nothing was applied. Run `kvedge preflight` to see what the cluster lacks");
        }

        var live = new LiveObjects();
        foreach (var (ns, resource, _) in wanted)
        {
            if (lists.Items(ns, resource) is { } items)
            {
                live._listed[(ns, resource)] = items.ToDictionary(i => i["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal);
            }
        }

        return live;
    }

    /// <summary>What a controller's caches hold of one namespace: each kind's objects, as its informer has them.</summary>
    public static LiveObjects FromCaches(string ns, IEnumerable<(ClusterResource Resource, IEnumerable<JsonObject> Items)> caches)
    {
        var live = new LiveObjects();
        foreach (var (resource, items) in caches)
        {
            live._listed[(ns, resource)] = items.ToDictionary(i => i["metadata"]!["name"]!.GetValue<string>(), StringComparer.Ordinal);
        }

        return live;
    }

    /// <summary>Whether the kind was listed in the namespace; if so, <paramref name="obj"/> is the live object or null.</summary>
    public bool TryFind(string ns, ClusterResource resource, string name, out JsonObject? obj)
    {
        if (_listed.TryGetValue((ns, resource), out var items))
        {
            obj = items.GetValueOrDefault(name);
            return true;
        }

        obj = null;
        return false;
    }
}
