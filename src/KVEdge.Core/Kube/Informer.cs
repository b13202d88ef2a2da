using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Kube;

/// <summary>
/// A list-and-watch cache of one resource, as client-go's reflector and informer keep one (kubernetes/client-go v0.36.3
/// tools/cache/reflector.go, shared_informer.go; https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
/// a LIST, then a WATCH from the list's resourceVersion; a watch that ends is resumed from the last version seen; a
/// 410 Gone (history compacted) or any other failure relists after a backoff, and the relist reports what changed
/// meanwhile (objects gone as deletions). <see cref="HasSynced"/> turns true after the first list: until then the cache
/// is not the cluster. Every change is told to <see cref="Changed"/> with the object's namespace and name. The cache holds
/// each object as its own compact JSON (a read-only JsonElement, not a tree of nodes: a node tree is several times the
/// size of its text, and a fleet's caches are thousands of objects), as the server sent it or as <see cref="Transform"/>
/// made it before it went in (client-go's SetTransform, shared_informer.go: how controllers drop managedFields);
/// every read gets a fresh JsonObject over it, which the reader may keep, change or drop. <see cref="IndexBy"/> keeps one index (client-go's Indexer, tools/cache/index.go) so a controller finds a
/// key's objects without scanning the cache.
/// </summary>
public sealed class Informer(IClusterClient cluster, ClusterResource resource, string? ns, string? labelSelector, TimeProvider? clock = null)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JsonElement> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _index = new(StringComparer.Ordinal);
    // Each indexed key's index value, as it was put: a removal needs no view of the old object to find it.
    private readonly Dictionary<string, string> _indexOf = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private int _lists;
    private int _watches;

    public ClusterResource Resource { get; } = resource;

    // The event types as the cluster client spells them (KubernetesClient's WatchEventType names).
    public const string Added = "Added";
    public const string Modified = "Modified";
    public const string Deleted = "Deleted";
    private const string Bookmark = "Bookmark";

    /// <summary>A change: the event type (<see cref="Added"/>, <see cref="Modified"/>, <see cref="Deleted"/>) and the object (for a deletion, as last seen).</summary>
    public event Action<string, JsonObject>? Changed;

    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>Applied to every object (its own JSON) before it is cached and told (set before <see cref="RunAsync"/>).</summary>
    public Func<JsonElement, JsonElement> Transform { get; init; } = CacheTransform.Freeze;

    /// <summary>The index's value of an object (null: not indexed); read with <see cref="ByIndex"/>.</summary>
    public Func<JsonObject, string?>? IndexBy { get; init; }

    /// <summary>How many LISTs and WATCHes it has sent (a start is one of each; a relist adds one).</summary>
    public (int Lists, int Watches) Requests => (Volatile.Read(ref _lists), Volatile.Read(ref _watches));

    /// <summary>Resolves once the first list is in the cache.</summary>
    public Task WaitForSyncAsync(CancellationToken ct) => _synced.Task.WaitAsync(ct);

    public JsonObject? Get(string? objectNamespace, string name)
    {
        lock (_gate)
        {
            return _items.TryGetValue(Key(objectNamespace, name), out var item) ? View(item) : null;
        }
    }

    /// <summary>The cached objects (of one namespace, or all), in namespace and name order.</summary>
    public IReadOnlyList<JsonObject> List(string? objectNamespace = null)
    {
        lock (_gate)
        {
            return _items.Where(kv => objectNamespace is null || kv.Key.StartsWith(objectNamespace + "/", StringComparison.Ordinal))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => View(kv.Value)).ToList();
        }
    }

    /// <summary>The cached objects whose <see cref="IndexBy"/> value is <paramref name="value"/>, in name order.</summary>
    public IReadOnlyList<JsonObject> ByIndex(string value)
    {
        lock (_gate)
        {
            return _index.TryGetValue(value, out var keys)
                ? [.. keys.Order(StringComparer.Ordinal).Select(k => View(_items[k]))]
                : [];
        }
    }

    /// <summary>
    /// Told of each list that failed (after the client's own retries), before the informer backs off and lists again
    /// (client-go's SetWatchErrorHandler): a caller that cannot wait for a list that will never be allowed (403) stops here.
    /// </summary>
    public event Action<Exception>? ListFailed;

    /// <summary>The first backoff after a failed list or a watch error; it doubles up to 30 s.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Lists and watches until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = InitialBackoff;
        while (!ct.IsCancellationRequested)
        {
            string? version;
            try
            {
                version = await RelistAsync(ct).ConfigureAwait(false);
                backoff = InitialBackoff;
            }
            catch (Exception ex) when (ex is ClusterApiException or ClusterUnavailableException && !ct.IsCancellationRequested)
            {
                ListFailed?.Invoke(ex);
                // client-go's reflector backs off (800 ms to 30 s, jittered); here InitialBackoff doubling to 30 s.
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
                        if (e.Type == Bookmark)
                        {
                            continue;
                        }

                        Apply(e.Type, e.Item);
                    }
                }
                catch (ClusterApiException ex) when (ex.Status == HttpStatusCode.Gone)
                {
                    // The version watched from was compacted away: list again at once.
                    break;
                }
                catch (ClusterApiException) when (!ct.IsCancellationRequested)
                {
                    // 429 or 5xx on a watch is what a busy or HA control plane answers: back off, then list again.
                    await Task.Delay(backoff, _clock, ct).ConfigureAwait(false);
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
        // Each item goes into its compact form as it is read: the list is never held whole.
        var fresh = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var listVersion = await cluster.ListEachAsync(Resource, ns, labelSelector, null, received =>
        {
            var item = Transform(received);
            fresh[KeyOf(item)] = item;
        }, ct).ConfigureAwait(false);
        List<(string Type, JsonElement Item)> changes = [];
        lock (_gate)
        {
            foreach (var key in _items.Keys.Where(k => !fresh.ContainsKey(k)).ToList())
            {
                changes.Add((Deleted, _items[key]));
                Remove(key);
            }

            foreach (var (key, item) in fresh)
            {
                var had = _items.TryGetValue(key, out var old);
                if (had && VersionOf(old) == VersionOf(item))
                {
                    continue;
                }

                Put(key, item);
                changes.Add((had ? Modified : Added, item));
            }
        }

        _synced.TrySetResult();
        foreach (var (type, item) in changes)
        {
            Changed?.Invoke(type, View(item));
        }

        return listVersion;
    }

    private void Apply(string type, JsonObject received)
    {
        var item = Transform(CacheTransform.ToElement(received));
        var key = KeyOf(item);
        lock (_gate)
        {
            if (type == Deleted)
            {
                Remove(key);
            }
            else
            {
                Put(key, item);
            }
        }

        Changed?.Invoke(type, View(item));
    }

    // Both under _gate.
    private void Put(string key, JsonElement item)
    {
        Remove(key);
        _items[key] = item;
        if (IndexBy?.Invoke(View(item)) is { } value)
        {
            _indexOf[key] = value;
            if (!_index.TryGetValue(value, out var keys))
            {
                keys = new HashSet<string>(StringComparer.Ordinal);
                _index[value] = keys;
            }

            keys.Add(key);
        }
    }

    private void Remove(string key)
    {
        if (_items.Remove(key) && _indexOf.Remove(key, out var value) && _index.TryGetValue(value, out var keys))
        {
            keys.Remove(key);
            if (keys.Count == 0)
            {
                _index.Remove(value);
            }
        }
    }

    private static JsonObject View(JsonElement item) => JsonObject.Create(item)!;

    private static string KeyOf(JsonElement item)
    {
        var metadata = item.GetProperty("metadata");
        return Key(metadata.TryGetProperty("namespace", out var ns) ? ns.GetString() : null, metadata.GetProperty("name").GetString()!);
    }

    private static string? VersionOf(JsonElement item) =>
        item.GetProperty("metadata").TryGetProperty("resourceVersion", out var version) ? version.GetString() : null;

    private static string Key(string? objectNamespace, string name) => $"{objectNamespace}/{name}";
}
