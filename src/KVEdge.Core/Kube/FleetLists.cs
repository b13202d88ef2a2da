using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

/// <summary>
/// The lists a fleet command reads before it acts: one LIST per (namespace, kind) with a selector, <c>concurrency</c>
/// at once, however many devices there are. A list the server refuses (403, 404) or cannot answer is kept as that
/// failure, for the caller to decide: install reads those objects one by one, uninstall fails their namespace.
/// </summary>
public sealed class FleetLists
{
    private readonly ConcurrentDictionary<(string Namespace, ClusterResource Resource), IReadOnlyList<JsonObject>> _lists = new();
    private readonly ConcurrentDictionary<(string Namespace, ClusterResource Resource), Exception> _failures = new();

    public static async Task<FleetLists> LoadAsync(IClusterClient cluster, IEnumerable<(string Namespace, ClusterResource Resource, string Selector)> wanted, int concurrency, CancellationToken ct)
    {
        var result = new FleetLists();
        await Parallel.ForEachAsync(wanted.Distinct(), new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = ct }, async (key, token) =>
        {
            try
            {
                result._lists[(key.Namespace, key.Resource)] = (await cluster.ListAsync(key.Resource, key.Namespace, key.Selector, null, token).ConfigureAwait(false)).Items;
            }
            catch (Exception ex) when (ex is ClusterApiException or ClusterUnavailableException)
            {
                result._failures[(key.Namespace, key.Resource)] = ex;
            }
        }).ConfigureAwait(false);
        return result;
    }

    /// <summary>The list's items, or null when it could not be read.</summary>
    public IReadOnlyList<JsonObject>? Items(string ns, ClusterResource resource) => _lists.GetValueOrDefault((ns, resource));

    /// <summary>Why a list could not be read, or null.</summary>
    public Exception? Failure(string ns, ClusterResource resource) => _failures.GetValueOrDefault((ns, resource));

    /// <summary>The first failure of a namespace's lists (in kind order), or null.</summary>
    public Exception? Failure(string ns) => _failures.Where(f => f.Key.Namespace == ns).OrderBy(f => f.Key.Resource.Kind, StringComparer.Ordinal).Select(f => f.Value).FirstOrDefault();

    /// <summary>The cluster did not answer a list: nothing else would get an answer either.</summary>
    public ClusterUnavailableException? Unavailable => _failures.Values.OfType<ClusterUnavailableException>().FirstOrDefault();
}
