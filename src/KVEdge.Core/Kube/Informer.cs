using System.Net;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

/// <summary>
/// A list-and-watch cache of one resource, as client-go's reflector and informer keep one (kubernetes/client-go v0.36.3
/// tools/cache/reflector.go, shared_informer.go; https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
/// a LIST, then a WATCH from the list's resourceVersion; a watch that ends is resumed from the last version seen; a
/// 410 Gone (history compacted) or any other failure relists after a backoff, and the relist reports what changed
/// meanwhile (objects gone as deletions). <see cref="HasSynced"/> turns true after the first list: until then the cache
/// is not the cluster. Every change is told to <see cref="Changed"/> with the object's namespace and name. The cache holds
/// the objects as the server sent them; readers get them, not copies, and must not change them.
/// </summary>
public sealed class Informer(IClusterClient cluster, ClusterResource resource, string? ns, string? labelSelector, TimeProvider? clock = null)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JsonObject> _items = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private int _lists;
    private int _watches;

    public ClusterResource Resource { get; } = resource;

    /// <summary>A change: the event type (ADDED, MODIFIED, DELETED) and the object (for a deletion, as last seen).</summary>
    public event Action<string, JsonObject>? Changed;

    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>How many LISTs and WATCHes it has sent (a start is one of each; a relist adds one).</summary>
    public (int Lists, int Watches) Requests => (Volatile.Read(ref _lists), Volatile.Read(ref _watches));

    /// <summary>Resolves once the first list is in the cache.</summary>
    public Task WaitForSyncAsync(CancellationToken ct) => _synced.Task.WaitAsync(ct);

    public JsonObject? Get(string? objectNamespace, string name)
    {
        lock (_gate)
        {
            return _items.GetValueOrDefault(Key(objectNamespace, name));
        }
    }

    /// <summary>The cached objects (of one namespace, or all), in namespace and name order.</summary>
    public IReadOnlyList<JsonObject> List(string? objectNamespace = null)
    {
        lock (_gate)
        {
            return _items.Where(kv => objectNamespace is null || kv.Key.StartsWith(objectNamespace + "/", StringComparison.Ordinal))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToList();
        }
    }

    /// <summary>Lists and watches until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!ct.IsCancellationRequested)
        {
            string? version;
            try
            {
                version = await RelistAsync(ct).ConfigureAwait(false);
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (Exception ex) when (ex is ClusterApiException or ClusterUnavailableException && !ct.IsCancellationRequested)
            {
                // client-go's reflector backs off (800 ms to 30 s, jittered); here 100 ms doubling to 30 s.
                await Task.Delay(backoff, _clock, ct).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                continue;
            }

            // Watch from the list's version; a watch that ends (a timeout, a dropped connection) resumes from the last
            // version seen; 410 Gone or another error goes back to a list.
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    Interlocked.Increment(ref _watches);
                    await foreach (var e in cluster.WatchAsync(Resource, ns, labelSelector, null, version, ct).ConfigureAwait(false))
                    {
                        version = e.Item["metadata"]?["resourceVersion"]?.GetValue<string>() ?? version;
                        if (e.Type == "BOOKMARK")
                        {
                            continue;
                        }

                        Apply(e.Type, e.Item);
                    }
                }
                catch (ClusterApiException ex) when (ex.Status == HttpStatusCode.Gone || !ct.IsCancellationRequested)
                {
                    break;
                }
                catch (ClusterUnavailableException) when (!ct.IsCancellationRequested)
                {
                    await Task.Delay(backoff, _clock, ct).ConfigureAwait(false);
                    break;
                }
            }
        }
    }

    private async Task<string?> RelistAsync(CancellationToken ct)
    {
        Interlocked.Increment(ref _lists);
        var list = await cluster.ListAsync(Resource, ns, labelSelector, null, ct).ConfigureAwait(false);
        var fresh = list.Items.ToDictionary(i => Key(i["metadata"]?["namespace"]?.GetValue<string>(), i["metadata"]!["name"]!.GetValue<string>()), StringComparer.Ordinal);
        List<(string Type, JsonObject Item)> changes = [];
        lock (_gate)
        {
            foreach (var key in _items.Keys.Where(k => !fresh.ContainsKey(k)).ToList())
            {
                changes.Add(("DELETED", _items[key]));
                _items.Remove(key);
            }

            foreach (var (key, item) in fresh)
            {
                var had = _items.TryGetValue(key, out var old);
                if (had && old!["metadata"]?["resourceVersion"]?.GetValue<string>() == item["metadata"]?["resourceVersion"]?.GetValue<string>())
                {
                    continue;
                }

                _items[key] = item;
                changes.Add((had ? "MODIFIED" : "ADDED", item));
            }
        }

        _synced.TrySetResult();
        foreach (var (type, item) in changes)
        {
            Changed?.Invoke(type, item);
        }

        return list.ResourceVersion;
    }

    private void Apply(string type, JsonObject item)
    {
        var key = Key(item["metadata"]?["namespace"]?.GetValue<string>(), item["metadata"]!["name"]!.GetValue<string>());
        lock (_gate)
        {
            if (type == "DELETED")
            {
                _items.Remove(key);
            }
            else
            {
                _items[key] = item;
            }
        }

        Changed?.Invoke(type, item);
    }

    private static string Key(string? objectNamespace, string name) => $"{objectNamespace}/{name}";
}
