using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// The server's storage, standing in for etcd: one global, monotonically increasing resourceVersion
/// (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions), an event history per resource
/// for watches, and compaction, after which a watch from an older version gets 410 Gone
/// (https://kubernetes.io/docs/reference/using-api/api-concepts/#410-gone-responses).
/// </summary>
public sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredObject> _objects = new(StringComparer.Ordinal);
    // The same objects by type: a list or a lookup walks its type's objects, not the whole store (a thousand devices'
    // Events, pods and leases outnumber their VMs many times).
    private readonly Dictionary<string, Dictionary<string, StoredObject>> _byType = new(StringComparer.Ordinal);

    private static readonly Dictionary<string, StoredObject> NoObjects = [];

    private Dictionary<string, StoredObject>.ValueCollection OfType(ResourceType type) =>
        (_byType.TryGetValue(type.Key, out var objects) ? objects : NoObjects).Values;
    // The garbage collector's graph, as the real one keeps it (kubernetes/kubernetes v1.35
    // pkg/controller/garbagecollector/graph.go: nodes by uid, each with its dependents): a deletion looks up its owners
    // and dependents instead of walking every object under the store's lock.
    private readonly Dictionary<string, string> _keyByUid = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _dependents = new(StringComparer.Ordinal);
    private readonly List<WatchEvent> _events = [];
    private readonly List<Channel<WatchEvent>> _watchers = [];
    private long _version = 1000;
    private long _compactedThrough;
    private long _uid;

    public event Action<WatchEvent>? Changed;

    public long Version
    {
        get
        {
            lock (_gate)
            {
                return _version;
            }
        }
    }

    private static string Key(ResourceType type, string? ns, string name) => $"{type.Key}/{ns}/{name}";

    public StoredObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return _objects.GetValueOrDefault(Key(type, ns, name));
        }
    }

    /// <summary>A deep copy, safe to read while the server runs.</summary>
    public JsonObject? Read(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return _objects.GetValueOrDefault(Key(type, ns, name))?.Object.DeepClone().AsObject();
        }
    }

    public IReadOnlyList<JsonObject> List(ResourceType type, string? ns) => Select(type, ns, static _ => true);

    /// <summary>
    /// Deep copies of the objects of a type that <paramref name="match"/> picks, matched as stored (not copied first): a
    /// controller's lookup by a field (a Service's pods, a DataVolume's VMs) costs a copy of what it finds only, not of
    /// the namespace, so a fleet of a thousand devices booting at once is not quadratic in copies.
    /// </summary>
    public IReadOnlyList<JsonObject> Select(ResourceType type, string? ns, Func<JsonObject, bool> match)
    {
        lock (_gate)
        {
            return OfType(type)
                .Where(o => (ns is null || o.Namespace == ns) && match(o.Object))
                .OrderBy(o => o.Namespace, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal)
                .Select(o => o.Object.DeepClone().AsObject())
                .ToList();
        }
    }

    /// <summary>The objects a list answers, as JSON, and the version it is at: the stored objects are matched as they
    /// are and written as serialized once, not copied per list (a 1,000-device fleet's lists are tens of megabytes).</summary>
    public (IReadOnlyList<string> Items, long Version) ListJson(ResourceType type, string? ns, Func<JsonObject, bool> match)
    {
        lock (_gate)
        {
            var items = OfType(type)
                .Where(o => (ns is null || o.Namespace == ns) && match(o.Object))
                .OrderBy(o => o.Namespace, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal)
                .ToList();
            return ([.. items.Select(o => o.Json)], _version);
        }
    }

    /// <summary>Runs <paramref name="action"/> under the store's lock, so a read-modify-write is atomic.</summary>
    public T Atomically<T>(Func<T> action)
    {
        lock (_gate)
        {
            return action();
        }
    }

    /// <summary>Stores a new or changed object: a new resourceVersion, and an ADDED or MODIFIED event.</summary>
    public JsonObject Commit(ResourceType type, JsonObject obj, Dictionary<string, ManagedEntry> managers)
    {
        lock (_gate)
        {
            var metadata = obj["metadata"]!.AsObject();
            var name = metadata["name"]!.GetValue<string>();
            var ns = metadata["namespace"]?.GetValue<string>();
            var key = Key(type, ns, name);
            var existed = _objects.ContainsKey(key);
            if (!existed)
            {
                metadata["uid"] = $"00000000-0000-4000-8000-{++_uid:D12}";
                metadata["creationTimestamp"] ??= "2026-01-01T00:00:00Z";
            }

            metadata["resourceVersion"] = (++_version).ToString(CultureInfo.InvariantCulture);
            WriteManagedFields(type, metadata, managers);
            var stored = new StoredObject(type, obj, managers);
            if (_objects.TryGetValue(key, out var previous))
            {
                Unlink(key, previous.Object);
            }

            _objects[key] = stored;
            Link(key, obj);
            if (!_byType.TryGetValue(type.Key, out var ofType))
            {
                ofType = new Dictionary<string, StoredObject>(StringComparer.Ordinal);
                _byType[type.Key] = ofType;
            }

            ofType[key] = stored;
            Publish(new WatchEvent(_version, type, existed ? "MODIFIED" : "ADDED", obj.DeepClone().AsObject()));
            return obj.DeepClone().AsObject();
        }
    }

    public void Remove(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            if (_objects.Remove(Key(type, ns, name), out var removed))
            {
                _byType[type.Key].Remove(Key(type, ns, name));
                Unlink(Key(type, ns, name), removed.Object);
                removed.Object["metadata"]!["resourceVersion"] = (++_version).ToString(CultureInfo.InvariantCulture);
                Publish(new WatchEvent(_version, type, "DELETED", removed.Object.DeepClone().AsObject()));
                CollectDependents(removed.Object["metadata"]?["uid"]?.GetValue<string>());
                ReleaseForegroundOwners(removed.Object);
            }
        }
    }

    public const string ForegroundDeletion = "foregroundDeletion";

    /// <summary>The objects that name <paramref name="uid"/> as an owner with blockOwnerDeletion (what Foreground deletion waits for).</summary>
    public IReadOnlyList<StoredObject> BlockingDependents(string uid)
    {
        lock (_gate)
        {
            return DependentsOf(uid).Where(o => o.Object["metadata"]?["ownerReferences"] is JsonArray owners
                && owners.Any(r => r?["uid"]?.GetValue<string>() == uid && r["blockOwnerDeletion"]?.GetValue<bool>() == true)).ToList();
        }
    }

    /// <summary>
    /// Marks an object deleted: with finalizers (and, for Foreground propagation, dependents that block it, which get the
    /// foregroundDeletion finalizer and are deleted first) it stays visible with a deletionTimestamp; else it goes.
    /// (https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion; apiserver
    /// handlers/delete.go.)
    /// </summary>
    public JsonObject MarkDeleted(StoredObject stored, bool foreground)
    {
        lock (_gate)
        {
            var uidText = stored.Object["metadata"]?["uid"]?.GetValue<string>() ?? "";
            var dependents = foreground ? BlockingDependents(uidText) : [];
            var finalizers = stored.Object["metadata"]?["finalizers"] as JsonArray;
            if (dependents.Count == 0 && finalizers is not { Count: > 0 })
            {
                Remove(stored.Type, stored.Namespace, stored.Name);
                return stored.Object.DeepClone().AsObject();
            }

            if (stored.Object["metadata"]!["deletionTimestamp"] is not null)
            {
                return stored.Object.DeepClone().AsObject();
            }

            var next = stored.Object.DeepClone().AsObject();
            var metadata = next["metadata"]!.AsObject();
            metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z";
            metadata["deletionGracePeriodSeconds"] = 0;
            if (dependents.Count > 0)
            {
                var list = metadata["finalizers"] as JsonArray ?? [];
                list.Add(ForegroundDeletion);
                metadata["finalizers"] = list;
            }

            var committed = Commit(stored.Type, next, stored.Managers);
            foreach (var dependent in dependents)
            {
                MarkDeleted(dependent, foreground: false);
            }

            return committed;
        }
    }

    /// <summary>Adds a finalizer, as another controller would, so a deletion waits for it.</summary>
    public void AddFinalizer(ResourceType type, string? ns, string name, string finalizer)
    {
        lock (_gate)
        {
            var stored = Get(type, ns, name) ?? throw new InvalidOperationException($"no {type.Key} {ns}/{name}");
            var next = stored.Object.DeepClone().AsObject();
            var list = next["metadata"]!["finalizers"] as JsonArray ?? [];
            list.Add(finalizer);
            next["metadata"]!["finalizers"] = list;
            Commit(type, next, stored.Managers);
        }
    }

    /// <summary>Removes a finalizer; an object being deleted goes once its last finalizer is gone.</summary>
    public void RemoveFinalizer(ResourceType type, string? ns, string name, string finalizer)
    {
        lock (_gate)
        {
            if (Get(type, ns, name) is not { } stored || stored.Object["metadata"]?["finalizers"] is not JsonArray list
                || !list.Any(f => f?.GetValue<string>() == finalizer))
            {
                return;
            }

            var next = stored.Object.DeepClone().AsObject();
            var remaining = new JsonArray(list.Select(f => f!.GetValue<string>()).Where(f => f != finalizer).Select(f => (JsonNode)f).ToArray());
            if (remaining.Count == 0 && next["metadata"]!["deletionTimestamp"] is not null)
            {
                Remove(type, ns, name);
                return;
            }

            next["metadata"]!["finalizers"] = remaining.Count == 0 ? null : remaining;
            if (remaining.Count == 0)
            {
                next["metadata"]!.AsObject().Remove("finalizers");
            }

            Commit(type, next, stored.Managers);
        }
    }

    // The garbage collector finishes a Foreground deletion when the owner's last blocking dependent is gone.
    private void ReleaseForegroundOwners(JsonObject removed)
    {
        foreach (var owner in removed["metadata"]?["ownerReferences"]?.AsArray() ?? [])
        {
            var ownerUid = owner?["uid"]?.GetValue<string>();
            var stored = ownerUid is not null && _keyByUid.TryGetValue(ownerUid, out var ownerKey) ? _objects[ownerKey] : null;
            if (stored is not null && BlockingDependents(ownerUid!).Count == 0)
            {
                RemoveFinalizer(stored.Type, stored.Namespace, stored.Name, ForegroundDeletion);
            }
        }
    }

    /// <summary>
    /// How long after an owner is gone the garbage collector deletes its dependents. The real one works from its own
    /// graph of owner uids, fed by watches, in the background (kubernetes/kubernetes v1.35 pkg/controller/garbagecollector:
    /// attemptToDelete): later than the owner's deletion, and by uid, so a dependent of a deleted owner goes even when a
    /// new owner of the same name has been created meanwhile. Zero collects at once.
    /// </summary>
    public TimeSpan GarbageCollectionDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    // The garbage collector: an object whose every owner (metadata.ownerReferences) is gone is deleted too, and so on
    // down (https://kubernetes.io/docs/concepts/architecture/garbage-collection/#owners-dependents). The real one does
    // it in the background or, for Foreground propagation, before the owner goes; either way the dependents are gone.
    private void CollectDependents(string? uid)
    {
        if (uid is null)
        {
            return;
        }

        if (GarbageCollectionDelay <= TimeSpan.Zero)
        {
            CollectDependentsNow(uid);
            return;
        }

        _ = Task.Delay(GarbageCollectionDelay).ContinueWith(_ =>
        {
            lock (_gate)
            {
                CollectDependentsNow(uid);
            }
        }, TaskScheduler.Default);
    }

    private void CollectDependentsNow(string uid)
    {
        var orphans = DependentsOf(uid)
            .Where(o => o.Object["metadata"]!["ownerReferences"]!.AsArray().All(r => !_keyByUid.ContainsKey(r?["uid"]?.GetValue<string>() ?? "")))
            .ToList();
        foreach (var orphan in orphans)
        {
            Remove(orphan.Type, orphan.Namespace, orphan.Name);
        }
    }

    // The objects whose ownerReferences name this uid (the owner may be gone: its dependents still name it).
    private List<StoredObject> DependentsOf(string uid) =>
        _dependents.TryGetValue(uid, out var keys) ? [.. keys.Select(k => _objects[k])] : [];

    private static IEnumerable<string> OwnerUids(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).Select(r => r?["uid"]?.GetValue<string>()).OfType<string>();

    private void Link(string key, JsonObject obj)
    {
        if (obj["metadata"]?["uid"]?.GetValue<string>() is { } uid)
        {
            _keyByUid[uid] = key;
        }

        foreach (var owner in OwnerUids(obj))
        {
            if (!_dependents.TryGetValue(owner, out var keys))
            {
                keys = new HashSet<string>(StringComparer.Ordinal);
                _dependents[owner] = keys;
            }

            keys.Add(key);
        }
    }

    private void Unlink(string key, JsonObject obj)
    {
        if (obj["metadata"]?["uid"]?.GetValue<string>() is { } uid && _keyByUid.TryGetValue(uid, out var known) && known == key)
        {
            _keyByUid.Remove(uid);
        }

        foreach (var owner in OwnerUids(obj))
        {
            if (_dependents.TryGetValue(owner, out var keys) && keys.Remove(key) && keys.Count == 0)
            {
                _dependents.Remove(owner);
            }
        }
    }

    /// <summary>Forgets the event history, as etcd compaction does: watches from before now get 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedThrough = _version;
            _events.Clear();
        }
    }

    /// <summary>The events after <paramref name="since"/> and a live feed of later ones, atomically.</summary>
    public (IReadOnlyList<WatchEvent> Backlog, ChannelReader<WatchEvent> Feed, Action Unsubscribe) Subscribe(ResourceType type, long since)
    {
        lock (_gate)
        {
            if (since < _compactedThrough)
            {
                throw new ApiError(System.Net.HttpStatusCode.Gone, "Expired", $"too old resource version: {since} ({_compactedThrough})");
            }

            var backlog = _events.Where(e => e.Type == type && e.ResourceVersion > since).ToList();
            var channel = Channel.CreateUnbounded<WatchEvent>();
            _watchers.Add(channel);
            return (backlog, channel.Reader, () =>
            {
                lock (_gate)
                {
                    _watchers.Remove(channel);
                    channel.Writer.TryComplete();
                }
            }
            );
        }
    }

    /// <summary>Ends every open watch, as an API server restart or a dropped connection would.</summary>
    public void DropWatches()
    {
        lock (_gate)
        {
            foreach (var w in _watchers)
            {
                w.Writer.TryComplete();
            }

            _watchers.Clear();
        }
    }

    private void Publish(WatchEvent e)
    {
        _events.Add(e);
        foreach (var w in _watchers)
        {
            w.Writer.TryWrite(e);
        }

        Changed?.Invoke(e);
    }

    private static void WriteManagedFields(ResourceType type, JsonObject metadata, Dictionary<string, ManagedEntry> managers)
    {
        if (managers.Count == 0)
        {
            metadata.Remove("managedFields");
            return;
        }

        metadata["managedFields"] = new JsonArray(managers.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m =>
        {
            var entry = new JsonObject
            {
                ["manager"] = m.Value.Manager,
                ["operation"] = m.Value.Operation,
                ["apiVersion"] = type.ApiVersion,
                ["time"] = "2026-01-01T00:00:00Z",
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = FieldSet.ToFieldsV1(m.Value.Fields),
            };
            if (m.Value.Subresource.Length > 0)
            {
                entry["subresource"] = m.Value.Subresource;
            }

            return (JsonNode)entry;
        }).ToArray());
    }
}
