using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// Server-side apply's merge, compare, prune and ownership rules, ported from kubernetes-sigs/structured-merge-diff
/// 4.1.2 (the library the API server runs; the same Apply/prune/update logic as its current release): typed/merge.go
/// (merge and compare walk), typed/remove.go (RemoveItems), fieldpath/set.go (EnsureNamedFieldsAreMembers) and
/// merge/update.go (Updater.Apply, Updater.Update, prune, addBackOwnedItems, addBackDanglingItems). Paths and field
/// sets are <see cref="FieldSet"/>'s. Checked against the library itself by StructuredMergeDiffComparisonTests over
/// tests/testdata/ssa.
/// </summary>
public static class StructuredMerge
{
    /// <summary>The fields an operation added, changed and removed (typed.Comparison).</summary>
    public sealed record Comparison(HashSet<string> Added, HashSet<string> Modified, HashSet<string> Removed);

    /// <summary>Merges an applied configuration into the live object: maps key by key, associative lists item by item
    /// (live order, then new items), atomic maps and lists and scalars replaced (typed.TypedValue.Merge).</summary>
    public static JsonObject Merge(JsonObject live, JsonObject config, ResourceType type) =>
        MergeNode(live, config, FieldSet.SchemaOf(type), present: (true, true)).Value?.AsObject() ?? [];

    private static (bool Present, JsonNode? Value) MergeNode(JsonNode? lhs, JsonNode? rhs, JsonObject? schema, (bool Lhs, bool Rhs) present)
    {
        if (!present.Lhs)
        {
            return (true, rhs?.DeepClone());
        }

        if (!present.Rhs)
        {
            return (true, lhs?.DeepClone());
        }

        var kind = FieldSet.KindOf(schema, rhs ?? lhs);
        switch (kind)
        {
            case FieldSet.Kind.Map when !EmptyPromotesToLeaf(lhs, rhs) && Same(lhs, rhs, typeof(JsonObject)):
                var map = new JsonObject();
                foreach (var key in Keys(lhs as JsonObject, rhs as JsonObject))
                {
                    var l = lhs is JsonObject lo && lo.TryGetPropertyValue(key, out var lv) ? (true, lv) : (false, null);
                    var r = rhs is JsonObject ro && ro.TryGetPropertyValue(key, out var rv) ? (true, rv) : (false, null);
                    var child = MergeNode(l.Item2, r.Item2, FieldSet.Field(schema, key), (l.Item1, r.Item1));
                    if (child.Present)
                    {
                        map[key] = child.Value;
                    }
                }

                return map.Count > 0 ? (true, map) : (false, null);
            case FieldSet.Kind.SetList or FieldSet.Kind.MapList when !EmptyPromotesToLeaf(lhs, rhs) && Same(lhs, rhs, typeof(JsonArray)):
                var items = new JsonArray();
                foreach (var (segment, l, r) in ZipItems(lhs as JsonArray, rhs as JsonArray, schema!))
                {
                    var child = MergeNode(l, r, schema!["items"] as JsonObject, (l is not null || Has(lhs, segment, schema!), r is not null || Has(rhs, segment, schema!)));
                    if (child.Present)
                    {
                        items.Add(child.Value);
                    }
                }

                return items.Count > 0 ? (true, items) : (false, null);
            default:
                // A leaf (scalar, atomic map or list, or both sides empty): the applied value wins (ruleKeepRHS).
                return (true, rhs?.DeepClone());
        }
    }

    /// <summary>What changed from <paramref name="lhs"/> to <paramref name="rhs"/>, leaf by leaf, with maps and list items
    /// that appeared or went counted too (typed.TypedValue.Compare). Only the tracked fields are compared.</summary>
    public static Comparison Compare(JsonObject? lhs, JsonObject rhs, ResourceType type, bool status)
    {
        var c = new Comparison(new(StringComparer.Ordinal), new(StringComparer.Ordinal), new(StringComparer.Ordinal));
        CompareNode(lhs is null ? null : View(lhs, type, status), View(rhs, type, status), FieldSet.SchemaOf(type), [], c, (lhs is not null, true));
        return c;
    }

    private static void CompareNode(JsonNode? lhs, JsonNode? rhs, JsonObject? schema, List<string> path, Comparison c, (bool Lhs, bool Rhs) present)
    {
        var kind = FieldSet.KindOf(schema, present.Rhs ? rhs : lhs);
        var granular = kind switch
        {
            FieldSet.Kind.Map => !EmptyPromotesToLeaf(present.Lhs ? lhs : null, present.Rhs ? rhs : null) && (lhs is JsonObject || rhs is JsonObject),
            FieldSet.Kind.SetList or FieldSet.Kind.MapList => !EmptyPromotesToLeaf(present.Lhs ? lhs : null, present.Rhs ? rhs : null) && (lhs is JsonArray || rhs is JsonArray),
            _ => false,
        };

        if (!granular)
        {
            if (!present.Lhs)
            {
                Add(c.Added, path);
            }
            else if (!present.Rhs)
            {
                Add(c.Removed, path);
            }
            else if (!JsonNode.DeepEquals(lhs, rhs))
            {
                Add(c.Modified, path);
            }

            return;
        }

        if (kind == FieldSet.Kind.Map)
        {
            foreach (var key in Keys(lhs as JsonObject, rhs as JsonObject))
            {
                var l = lhs is JsonObject lo && lo.TryGetPropertyValue(key, out var lv) ? (true, lv) : (false, null);
                var r = rhs is JsonObject ro && ro.TryGetPropertyValue(key, out var rv) ? (true, rv) : (false, null);
                path.Add("f:" + key);
                CompareNode(l.Item2, r.Item2, FieldSet.Field(schema, key), path, c, (l.Item1, r.Item1));
                path.RemoveAt(path.Count - 1);
            }
        }
        else
        {
            foreach (var (segment, l, r) in ZipItems(lhs as JsonArray, rhs as JsonArray, schema!))
            {
                path.Add(segment);
                CompareNode(l, r, schema!["items"] as JsonObject, path, c, (Has(lhs, segment, schema!), Has(rhs, segment, schema!)));
                path.RemoveAt(path.Count - 1);
            }
        }

        // The post-item hook: a map or item that appeared or went is itself added or removed.
        if (!present.Lhs)
        {
            Add(c.Added, path);
        }
        else if (!present.Rhs)
        {
            Add(c.Removed, path);
        }
    }

    /// <summary>
    /// Updater.Apply: merge the configuration, prune what this manager applied last time and no longer applies (unless
    /// someone else owns it), then settle ownership. Returns the new object, or the conflicts (other managers' fields
    /// whose value the apply changes or adds) when there are any and <paramref name="force"/> is false. With force the
    /// conflicting fields move to the applier; fields the apply removed leave every set.
    /// </summary>
    public static (JsonObject? Object, List<(string Manager, string Path)> Conflicts) Apply(
        JsonObject live, bool exists, JsonObject config, ResourceType type, Dictionary<string, ManagedEntry> managers, string manager, bool force, bool status)
    {
        var subresource = status ? "status" : "";
        var key = ManagedEntry.KeyOf(manager, "Apply", subresource);
        var merged = Merge(live, config, type);
        var set = status ? FieldSet.OfStatus(config, type) : FieldSet.Of(config, type);
        var lastSet = managers.TryGetValue(key, out var last) ? last.Fields : null;
        managers[key] = new ManagedEntry(manager, "Apply", set, subresource);
        var next = lastSet is { Count: > 0 } ? Prune(merged, config, managers, lastSet, type, status) : merged;

        var compare = Compare(exists ? live : null, next, type, status);
        var changed = compare.Modified.Union(compare.Added).ToHashSet(StringComparer.Ordinal);
        var conflicts = new List<(string Manager, string Path)>();
        foreach (var (otherKey, entry) in managers.Where(m => m.Key != key))
        {
            var contested = entry.Fields.Where(changed.Contains).ToList();
            conflicts.AddRange(contested.Select(p => (entry.Manager, p)));
            entry.Fields.ExceptWith(contested);
        }

        if (conflicts.Count > 0 && !force)
        {
            return (null, conflicts);
        }

        foreach (var entry in managers.Where(m => m.Key != key).Select(m => m.Value))
        {
            entry.Fields.ExceptWith(compare.Removed);
        }

        DropEmpty(managers);
        return (next, []);
    }

    /// <summary>Updater.Update (a create, update or non-apply patch): the updater takes every field it changed or added
    /// from the others, and no one keeps a field it removed.</summary>
    public static void Update(JsonObject? live, JsonObject next, ResourceType type, Dictionary<string, ManagedEntry> managers, string manager, bool status)
    {
        var subresource = status ? "status" : "";
        var key = ManagedEntry.KeyOf(manager, "Update", subresource);
        var compare = Compare(live, next, type, status);
        foreach (var entry in managers.Where(m => m.Key != key).Select(m => m.Value))
        {
            entry.Fields.ExceptWith(compare.Modified);
            entry.Fields.ExceptWith(compare.Added);
            entry.Fields.ExceptWith(compare.Removed);
        }

        var own = managers.TryGetValue(key, out var previous) ? previous.Fields : new HashSet<string>(StringComparer.Ordinal);
        own.UnionWith(compare.Modified);
        own.UnionWith(compare.Added);
        own.ExceptWith(compare.Removed);
        managers[key] = new ManagedEntry(manager, "Update", own, subresource);
        DropEmpty(managers);
    }

    // merge/update.go prune: remove what the applier owned last time (named fields as members, so a map it alone
    // filled goes whole), then add back what anyone owns now, and anything the applier did not own last time.
    // The field sets here include the object's identity (apiVersion, kind, metadata's name and namespace), which
    // structured-merge-diff sees in the applier's set during the apply; the API server strips it only from what it
    // stores. Without it a pruned label would take metadata, name and all, with it.
    private static JsonObject Prune(JsonObject merged, JsonObject config, Dictionary<string, ManagedEntry> managers, HashSet<string> lastSet, ResourceType type, bool status)
    {
        var schema = FieldSet.SchemaOf(type);
        HashSet<string> SetOf(JsonObject o)
        {
            var set = status ? FieldSet.OfStatus(o, type) : FieldSet.Of(o, type);
            set.UnionWith(Identity(o));
            return EnsureNamedFieldsAreMembers(set, schema);
        }

        var last = EnsureNamedFieldsAreMembers(lastSet, schema);
        var pruned = RemoveItems(merged, last, schema);

        // addBackOwnedItems
        var owned = managers.Values.SelectMany(m => m.Fields).ToHashSet(StringComparer.Ordinal);
        owned.UnionWith(Identity(config));
        var managed = EnsureNamedFieldsAreMembers(owned, schema);
        var mergedSet = SetOf(merged);
        var keep = SetOf(pruned);
        keep.UnionWith(managed);
        pruned = RemoveItems(merged, mergedSet.Where(p => !keep.Contains(p)).ToHashSet(StringComparer.Ordinal), schema);

        // addBackDanglingItems
        var prunedSet = SetOf(pruned);
        return RemoveItems(merged, mergedSet.Where(p => !prunedSet.Contains(p) && last.Contains(p)).ToHashSet(StringComparer.Ordinal), schema);
    }

    private static IEnumerable<string> Identity(JsonObject obj)
    {
        foreach (var key in new[] { "apiVersion", "kind" }.Where(obj.ContainsKey))
        {
            yield return "f:" + key;
        }

        foreach (var key in new[] { "name", "namespace" }.Where(k => obj["metadata"] is JsonObject m && m.ContainsKey(k)))
        {
            yield return FieldSet.Join(["f:metadata", "f:" + key]);
        }
    }

    /// <summary>fieldpath.Set.EnsureNamedFieldsAreMembers: every field the schema names on the way to a member becomes a
    /// member itself (a declared map such as data or labels, not a label key).</summary>
    public static HashSet<string> EnsureNamedFieldsAreMembers(IEnumerable<string> set, JsonObject? schema)
    {
        var result = new HashSet<string>(set, StringComparer.Ordinal);
        foreach (var path in result.ToList())
        {
            var segments = FieldSet.Segments(path);
            var node = schema;
            for (var i = 0; i < segments.Length - 1; i++)
            {
                var segment = segments[i];
                if (segment.StartsWith("f:", StringComparison.Ordinal))
                {
                    if (FieldSet.IsDeclared(node, segment[2..]))
                    {
                        result.Add(FieldSet.Join(segments.Take(i + 1)));
                    }

                    node = FieldSet.Field(node, segment[2..]);
                }
                else
                {
                    node = node?["items"] as JsonObject;
                }
            }
        }

        return result;
    }

    private static JsonObject RemoveItems(JsonObject obj, HashSet<string> toRemove, JsonObject? schema) =>
        RemoveNode(obj, toRemove, schema) as JsonObject ?? [];

    // typed/remove.go removingWalker: a map or list left empty becomes null (the API server then drops it).
    private static JsonNode? RemoveNode(JsonNode? value, HashSet<string> toRemove, JsonObject? schema)
    {
        switch (FieldSet.KindOf(schema, value))
        {
            case FieldSet.Kind.Map or FieldSet.Kind.AtomicMap:
                if (value is not JsonObject { Count: > 0 } map || FieldSet.KindOf(schema, value) == FieldSet.Kind.AtomicMap)
                {
                    return null;
                }

                var outMap = new JsonObject();
                foreach (var (key, child) in map)
                {
                    var segment = "f:" + key;
                    if (toRemove.Contains(segment))
                    {
                        continue;
                    }

                    var subset = WithPrefix(toRemove, segment);
                    outMap[key] = subset.Count > 0 ? RemoveNode(child, subset, FieldSet.Field(schema, key)) : child?.DeepClone();
                }

                return outMap.Count > 0 ? outMap : null;
            case FieldSet.Kind.SetList or FieldSet.Kind.MapList or FieldSet.Kind.AtomicList:
                if (value is not JsonArray { Count: > 0 } list || FieldSet.KindOf(schema, value) == FieldSet.Kind.AtomicList)
                {
                    return null;
                }

                var outList = new JsonArray();
                foreach (var item in list)
                {
                    var segment = FieldSet.ItemSegment(item, schema!);
                    if (toRemove.Contains(segment))
                    {
                        continue;
                    }

                    var subset = WithPrefix(toRemove, segment);
                    outList.Add(subset.Count > 0 ? RemoveNode(item, subset, schema!["items"] as JsonObject) : item?.DeepClone());
                }

                return outList.Count > 0 ? outList : null;
            default:
                return value?.DeepClone();
        }
    }

    /// <summary>Drops JSON nulls from maps: a built-in type's Go struct omits them (omitempty), and the apiextensions
    /// server prunes nulls from non-nullable fields of custom resources; so a map prune emptied disappears.</summary>
    public static void DropNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Where(p => p.Value is null).Select(p => p.Key).ToList())
                {
                    o.Remove(key);
                }

                foreach (var (_, child) in o)
                {
                    DropNulls(child);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    DropNulls(child);
                }

                break;
        }
    }

    // The part of an object whose fields are tracked (FieldSet.Of): no apiVersion or kind, metadata's labels,
    // annotations, finalizers and ownerReferences only, status apart.
    private static JsonObject View(JsonObject obj, ResourceType type, bool status)
    {
        var view = new JsonObject();
        if (status)
        {
            if (obj["status"] is { } s)
            {
                view["status"] = s.DeepClone();
            }

            return view;
        }

        foreach (var (key, value) in obj)
        {
            if (key is "apiVersion" or "kind" || (key == "status" && type.HasStatus))
            {
                continue;
            }

            if (key == "metadata" && value is JsonObject metadata)
            {
                var kept = new JsonObject();
                foreach (var (metaKey, metaValue) in metadata)
                {
                    if (metaKey is "labels" or "annotations" or "finalizers" or "ownerReferences")
                    {
                        kept[metaKey] = metaValue?.DeepClone();
                    }
                }

                view["metadata"] = kept;
                continue;
            }

            view[key] = value?.DeepClone();
        }

        return view;
    }

    private static bool EmptyPromotesToLeaf(JsonNode? lhs, JsonNode? rhs) => IsEmpty(lhs) && IsEmpty(rhs);

    private static bool IsEmpty(JsonNode? node) => node switch
    {
        JsonObject o => o.Count == 0,
        JsonArray a => a.Count == 0,
        _ => true,
    };

    // Both sides of the shape the schema expects (or absent); otherwise the applied value replaces the live one.
    private static bool Same(JsonNode? lhs, JsonNode? rhs, Type shape) =>
        (lhs is null || lhs.GetType() == shape) && (rhs is null || rhs.GetType() == shape);

    private static IEnumerable<string> Keys(JsonObject? lhs, JsonObject? rhs) =>
        (lhs?.Select(p => p.Key) ?? []).Concat((rhs?.Select(p => p.Key) ?? []).Where(k => lhs?.ContainsKey(k) != true));

    private static bool Has(JsonNode? list, string segment, JsonObject schema) =>
        list is JsonArray a && a.Any(i => FieldSet.ItemSegment(i, schema) == segment);

    // Items of two associative lists by key: the live order, then the applied list's new items.
    private static IEnumerable<(string Segment, JsonNode? Lhs, JsonNode? Rhs)> ZipItems(JsonArray? lhs, JsonArray? rhs, JsonObject schema)
    {
        var right = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var item in rhs ?? [])
        {
            right.TryAdd(FieldSet.ItemSegment(item, schema), item);
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in lhs ?? [])
        {
            var segment = FieldSet.ItemSegment(item, schema);
            if (seen.Add(segment))
            {
                yield return (segment, item, right.GetValueOrDefault(segment));
            }
        }

        foreach (var (segment, item) in right.Where(r => !seen.Contains(r.Key)))
        {
            yield return (segment, null, item);
        }
    }

    private static HashSet<string> WithPrefix(HashSet<string> set, string segment)
    {
        var prefix = segment + FieldSet.Separator;
        return set.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).Select(p => p[prefix.Length..]).ToHashSet(StringComparer.Ordinal);
    }

    private static void Add(HashSet<string> set, List<string> path)
    {
        if (path.Count > 0)
        {
            set.Add(FieldSet.Join(path));
        }
    }

    private static void DropEmpty(Dictionary<string, ManagedEntry> managers)
    {
        foreach (var empty in managers.Where(m => m.Value.Fields.Count == 0).Select(m => m.Key).ToList())
        {
            managers.Remove(empty);
        }
    }
}
