using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace KVEdge.Testing.ApiServer;

/// <summary>What server-side apply remembers per object: each manager's operation and owned field paths.</summary>
public sealed class ManagedEntry(string operation, HashSet<string> fields)
{
    public string Operation { get; set; } = operation;

    public HashSet<string> Fields { get; } = fields;
}

public sealed class StoredObject(ResourceType type, JsonObject obj, Dictionary<string, ManagedEntry> managers)
{
    public ResourceType Type { get; } = type;

    public JsonObject Object { get; set; } = obj;

    public Dictionary<string, ManagedEntry> Managers { get; } = managers;

    public string Name => Object["metadata"]!["name"]!.GetValue<string>();

    public string? Namespace => Object["metadata"]?["namespace"]?.GetValue<string>();
}

public sealed record WatchEvent(long ResourceVersion, ResourceType Type, string EventType, JsonObject Object);

/// <summary>
/// The server's storage, standing in for etcd: one global, monotonically increasing resourceVersion
/// (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions), an event history per resource
/// for watches, and compaction, after which a watch from an older version gets 410 Gone
/// (https://kubernetes.io/docs/reference/using-api/api-concepts/#410-gone-responses).
/// </summary>
public sealed class ObjectStore
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, StoredObject> objects = new(StringComparer.Ordinal);
    private readonly List<WatchEvent> events = [];
    private readonly List<Channel<WatchEvent>> watchers = [];
    private long version = 1000;
    private long compactedThrough;
    private long uid;

    public event Action<WatchEvent>? Changed;

    public long Version
    {
        get
        {
            lock (gate)
            {
                return version;
            }
        }
    }

    private static string Key(ResourceType type, string? ns, string name) => $"{type.Key}/{ns}/{name}";

    public StoredObject? Get(ResourceType type, string? ns, string name)
    {
        lock (gate)
        {
            return objects.GetValueOrDefault(Key(type, ns, name));
        }
    }

    /// <summary>A deep copy, safe to read while the server runs.</summary>
    public JsonObject? Read(ResourceType type, string? ns, string name)
    {
        lock (gate)
        {
            return objects.GetValueOrDefault(Key(type, ns, name))?.Object.DeepClone().AsObject();
        }
    }

    public IReadOnlyList<JsonObject> List(ResourceType type, string? ns)
    {
        lock (gate)
        {
            return objects.Values
                .Where(o => o.Type == type && (ns is null || o.Namespace == ns))
                .OrderBy(o => o.Namespace, StringComparer.Ordinal).ThenBy(o => o.Name, StringComparer.Ordinal)
                .Select(o => o.Object.DeepClone().AsObject())
                .ToList();
        }
    }

    /// <summary>Runs <paramref name="action"/> under the store's lock, so a read-modify-write is atomic.</summary>
    public T Atomically<T>(Func<T> action)
    {
        lock (gate)
        {
            return action();
        }
    }

    /// <summary>Stores a new or changed object: a new resourceVersion, and an ADDED or MODIFIED event.</summary>
    public JsonObject Commit(ResourceType type, JsonObject obj, Dictionary<string, ManagedEntry> managers)
    {
        lock (gate)
        {
            var metadata = obj["metadata"]!.AsObject();
            var name = metadata["name"]!.GetValue<string>();
            var ns = metadata["namespace"]?.GetValue<string>();
            var key = Key(type, ns, name);
            var existed = objects.ContainsKey(key);
            if (!existed)
            {
                metadata["uid"] = $"00000000-0000-4000-8000-{++uid:D12}";
                metadata["creationTimestamp"] ??= "2026-01-01T00:00:00Z";
            }

            metadata["resourceVersion"] = (++version).ToString(CultureInfo.InvariantCulture);
            WriteManagedFields(type, metadata, managers);
            objects[key] = new StoredObject(type, obj, managers);
            Publish(new WatchEvent(version, type, existed ? "MODIFIED" : "ADDED", obj.DeepClone().AsObject()));
            return obj.DeepClone().AsObject();
        }
    }

    public void Remove(ResourceType type, string? ns, string name)
    {
        lock (gate)
        {
            if (objects.Remove(Key(type, ns, name), out var removed))
            {
                removed.Object["metadata"]!["resourceVersion"] = (++version).ToString(CultureInfo.InvariantCulture);
                Publish(new WatchEvent(version, type, "DELETED", removed.Object.DeepClone().AsObject()));
                CollectDependents(removed.Object["metadata"]?["uid"]?.GetValue<string>());
            }
        }
    }

    // The garbage collector: an object whose every owner (metadata.ownerReferences) is gone is deleted too, and so on
    // down (https://kubernetes.io/docs/concepts/architecture/garbage-collection/#owners-dependents). The real one does
    // it in the background or, for Foreground propagation, before the owner goes; either way the dependents are gone.
    private void CollectDependents(string? uid)
    {
        if (uid is null)
        {
            return;
        }

        var live = objects.Values.Select(o => o.Object["metadata"]?["uid"]?.GetValue<string>()).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var orphans = objects.Values
            .Where(o => o.Object["metadata"]?["ownerReferences"] is JsonArray { Count: > 0 } owners
                && owners.Any(r => r?["uid"]?.GetValue<string>() == uid)
                && owners.All(r => !live.Contains(r?["uid"]?.GetValue<string>() ?? "")))
            .ToList();
        foreach (var orphan in orphans)
        {
            Remove(orphan.Type, orphan.Namespace, orphan.Name);
        }
    }

    /// <summary>Forgets the event history, as etcd compaction does: watches from before now get 410 Gone.</summary>
    public void Compact()
    {
        lock (gate)
        {
            compactedThrough = version;
            events.Clear();
        }
    }

    /// <summary>The events after <paramref name="since"/> and a live feed of later ones, atomically.</summary>
    public (IReadOnlyList<WatchEvent> Backlog, ChannelReader<WatchEvent> Feed, Action Unsubscribe) Subscribe(ResourceType type, long since)
    {
        lock (gate)
        {
            if (since < compactedThrough)
            {
                throw new ApiError(System.Net.HttpStatusCode.Gone, "Expired", $"too old resource version: {since} ({compactedThrough})");
            }

            var backlog = events.Where(e => e.Type == type && e.ResourceVersion > since).ToList();
            var channel = Channel.CreateUnbounded<WatchEvent>();
            watchers.Add(channel);
            return (backlog, channel.Reader, () =>
            {
                lock (gate)
                {
                    watchers.Remove(channel);
                    channel.Writer.TryComplete();
                }
            }
            );
        }
    }

    /// <summary>Ends every open watch, as an API server restart or a dropped connection would.</summary>
    public void DropWatches()
    {
        lock (gate)
        {
            foreach (var w in watchers)
            {
                w.Writer.TryComplete();
            }

            watchers.Clear();
        }
    }

    private void Publish(WatchEvent e)
    {
        events.Add(e);
        foreach (var w in watchers)
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

        metadata["managedFields"] = new JsonArray(managers.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => (JsonNode)new JsonObject
        {
            ["manager"] = m.Key,
            ["operation"] = m.Value.Operation,
            ["apiVersion"] = type.ApiVersion,
            ["time"] = "2026-01-01T00:00:00Z",
            ["fieldsType"] = "FieldsV1",
            ["fieldsV1"] = FieldSet.ToFieldsV1(m.Value.Fields),
        }).ToArray());
    }
}
