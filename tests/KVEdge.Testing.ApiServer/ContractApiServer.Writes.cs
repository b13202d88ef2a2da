using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace KVEdge.Testing.ApiServer;

/// <summary>Create, update, merge patch, server-side apply and delete, with resourceVersion, generation and managedFields.</summary>
public sealed partial class ContractApiServer
{
    // metadata.generation counts changes to the desired state, not to status or metadata
    // (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions; the status subresource
    // https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#status-subresource).
    private static void SetGeneration(JsonObject? live, JsonObject next)
    {
        var metadata = next["metadata"]!.AsObject();
        if (live is null)
        {
            metadata["generation"] = 1L;
            return;
        }

        var generation = live["metadata"]?["generation"] is { } g ? long.Parse(g.ToJsonString(), CultureInfo.InvariantCulture) : 1L;
        metadata["generation"] = JsonNode.DeepEquals(Spec(live), Spec(next)) ? generation : generation + 1;

        static JsonObject Spec(JsonObject o)
        {
            var copy = o.DeepClone().AsObject();
            copy.Remove("metadata");
            copy.Remove("status");
            return copy;
        }
    }

    private JsonObject Create(ResourceType type, string? ns, JsonObject body, string fieldManager, bool dryRun)
    {
        var name = body["metadata"]?["name"]?.GetValue<string>() ?? throw ApiError.BadRequest("metadata.name is required");
        CheckIdentity(type, ns, null, body);
        return Store.Atomically(() =>
        {
            if (Store.Get(type, ns, name) is not null)
            {
                throw ApiError.AlreadyExists(type, name);
            }

            CheckNamespace(type, ns);

            if (type.HasStatus)
            {
                body.Remove("status");
            }

            ApplyDefaults(type, body);
            Admission.Admit(type, null, body);
            Validate(type, body);
            SetGeneration(null, body);
            var managers = new Dictionary<string, ManagedEntry>(StringComparer.Ordinal);
            StructuredMerge.Update(null, body, type, managers, Manager(fieldManager), status: false);
            return dryRun ? body : Store.Commit(type, body, managers);
        });
    }

    private static string Manager(string fieldManager) => fieldManager.Length == 0 ? "unknown" : fieldManager;

    // Update (https://kubernetes.io/docs/reference/using-api/api-concepts/#conflicts): a resourceVersion that is not the
    // stored one is a 409 Conflict; custom resources must carry one.
    private JsonObject Update(ResourceType type, string? ns, string name, JsonObject body, string fieldManager, bool status, bool dryRun)
    {
        CheckIdentity(type, ns, name, body);
        return Store.Atomically(() =>
        {
            var stored = Store.Get(type, ns, name) ?? throw ApiError.NotFound(type, name);
            var live = stored.Object;
            var rv = body["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (rv is null && type.Group.Length > 0)
            {
                throw ApiError.Invalid(type, name, [("FieldValueInvalid", "must be specified for an update", "metadata.resourceVersion")]);
            }

            if (rv is not null && rv != live["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                throw ApiError.Conflict(type, name);
            }

            JsonObject next;
            if (status)
            {
                next = live.DeepClone().AsObject();
                next["status"] = body["status"]?.DeepClone();
            }
            else
            {
                next = body.DeepClone().AsObject();
                next.Remove("status");
                if (type.HasStatus && live["status"] is { } liveStatus)
                {
                    next["status"] = liveStatus.DeepClone();
                }

                foreach (var kept in new[] { "uid", "creationTimestamp", "deletionTimestamp" })
                {
                    if (live["metadata"]?[kept] is { } value)
                    {
                        next["metadata"]![kept] = value.DeepClone();
                    }
                }
            }

            return Write(stored, next, Manager(fieldManager), status, dryRun);
        });
    }

    /// <summary>
    /// `virtctl stop` (or `start`) as virt-api carries it out (kubevirt/kubevirt v1.9.0 pkg/virt-api/rest/lifecycle.go,
    /// getRunningPatch): spec.runStrategy set to Halted (Always) by an Update whose field manager is virt-api, which so
    /// owns .spec.runStrategy from then on. virt-api sends a JSON patch (test + replace); its field ownership is that of
    /// this merge patch.
    /// </summary>
    public JsonObject VirtctlSetRunStrategy(string ns, string name, string runStrategy) =>
        MergePatch(ResourceType.VirtualMachine, ns, name, new JsonObject { ["spec"] = new JsonObject { ["runStrategy"] = runStrategy } }, "virt-api", status: false, dryRun: false);

    private JsonObject MergePatch(ResourceType type, string? ns, string name, JsonObject patch, string fieldManager, bool status, bool dryRun) =>
        Store.Atomically(() =>
        {
            var stored = Store.Get(type, ns, name) ?? throw ApiError.NotFound(type, name);
            // A resourceVersion in a patch is a precondition: a stale one is a 409 Conflict
            // (https://kubernetes.io/docs/reference/using-api/api-concepts/#conflicts; apiserver handlers/patch.go).
            if (patch["metadata"]?["resourceVersion"]?.GetValue<string>() is { } rv && rv != stored.Object["metadata"]!["resourceVersion"]!.GetValue<string>())
            {
                throw ApiError.Conflict(type, name);
            }

            var next = stored.Object.DeepClone().AsObject();
            MergePatchInto(next, patch);
            if (type.HasStatus && !status)
            {
                next.Remove("status");
                if (stored.Object["status"] is { } liveStatus)
                {
                    next["status"] = liveStatus.DeepClone();
                }
            }

            return Write(stored, next, Manager(fieldManager), status, dryRun);
        });

    // RFC 7386 JSON merge patch: null deletes a key.
    private static void MergePatchInto(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject p && target[key] is JsonObject t)
            {
                MergePatchInto(t, p);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }

    private JsonObject Write(StoredObject stored, JsonObject next, string manager, bool status, bool dryRun)
    {
        var type = stored.Type;
        ApplyDefaults(type, next);
        Admission.Admit(type, stored.Object, next);
        Validate(type, next, stored.Object);
        SetGeneration(stored.Object, next);
        var managers = stored.Managers.ToDictionary(m => m.Key, m => m.Value.Copy(), StringComparer.Ordinal);
        StructuredMerge.Update(stored.Object, next, type, managers, manager, status);

        if (IsNoOp(stored.Object, next))
        {
            return stored.Object.DeepClone().AsObject();
        }

        if (dryRun)
        {
            return next;
        }

        // Finalizers (https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/): an object being
        // deleted goes away once its last finalizer is removed.
        if (next["metadata"]?["deletionTimestamp"] is not null && next["metadata"]?["finalizers"] is not JsonArray { Count: > 0 })
        {
            Store.Remove(type, stored.Namespace, stored.Name);
            return next;
        }

        return Store.Commit(type, next, managers);
    }

    private static bool IsNoOp(JsonObject live, JsonObject next)
    {
        var a = live.DeepClone().AsObject();
        var b = next.DeepClone().AsObject();
        foreach (var o in new[] { a, b })
        {
            var metadata = o["metadata"]!.AsObject();
            metadata.Remove("managedFields");
            metadata.Remove("resourceVersion");
            metadata.Remove("generation");
        }

        return JsonNode.DeepEquals(a, b);
    }

    // Server-side apply (https://kubernetes.io/docs/reference/using-api/server-side-apply/): fieldManager is required;
    // a field another manager owns with a different value is a conflict (409) unless force=true, which moves the
    // ownership; fields this manager applied before and now omits are removed when no one else owns them; applying
    // to a missing object creates it (201).
    private (JsonObject Object, bool Created) Apply(ResourceType type, string? ns, string name, JsonObject body, string fieldManager, bool force, bool status, bool dryRun)
    {
        if (fieldManager.Length == 0)
        {
            throw ApiError.BadRequest("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch");
        }

        CheckIdentity(type, ns, name, body);
        if (body["metadata"]?["managedFields"] is JsonArray { Count: > 0 })
        {
            throw ApiError.BadRequest("metadata.managedFields must be nil");
        }

        return Store.Atomically(() =>
        {
            var stored = Store.Get(type, ns, name);
            if (stored is null && status)
            {
                throw ApiError.NotFound(type, name);
            }

            // An apply that creates the object is authorised as a create too (apiserver handlers/patch.go,
            // createAuthorizerAttributes).
            if (stored is null)
            {
                Authorize("create", type, ns);
                CheckNamespace(type, ns);
            }

            var rv = body["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (rv is not null && (stored is null || rv != stored.Object["metadata"]!["resourceVersion"]!.GetValue<string>()))
            {
                throw ApiError.Conflict(type, name);
            }

            var applied = body.DeepClone().AsObject();
            if (type.HasStatus && !status)
            {
                applied.Remove("status");
            }

            var live = stored?.Object ?? new JsonObject { ["apiVersion"] = type.ApiVersion, ["kind"] = type.Kind, ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns } };
            if (!type.Namespaced)
            {
                live["metadata"]!.AsObject().Remove("namespace");
            }

            var managers = stored?.Managers.ToDictionary(m => m.Key, m => m.Value.Copy(), StringComparer.Ordinal)
                ?? new Dictionary<string, ManagedEntry>(StringComparer.Ordinal);
            var (merged, conflicts) = StructuredMerge.Apply(live, stored is not null, applied, type, managers, fieldManager, force, status);
            if (merged is null)
            {
                var causes = conflicts.Select(c => ("FieldManagerConflict", $"conflict with \"{c.Manager}\"", FieldSet.Display(c.Path))).ToList();
                throw new ApiError(HttpStatusCode.Conflict, "Conflict",
                    $"Apply failed with {causes.Count} conflict{(causes.Count == 1 ? "" : "s")}: {string.Join("; ", causes.Select(c => $"{c.Item2}: {c.Item3}"))}",
                    causes);
            }

            var next = merged;
            StructuredMerge.DropNulls(next);
            ApplyDefaults(type, next);
            Admission.Admit(type, stored?.Object, next);
            Validate(type, next, stored?.Object);
            SetGeneration(stored?.Object, next);
            if (stored is not null && IsNoOp(stored.Object, next) && ManagersEqual(stored.Managers, managers))
            {
                return (stored.Object.DeepClone().AsObject(), false);
            }

            if (dryRun)
            {
                return (next, stored is null);
            }

            // As for any write: an object being deleted goes once its last finalizer is gone.
            if (stored is not null && next["metadata"]?["deletionTimestamp"] is not null && next["metadata"]?["finalizers"] is not JsonArray { Count: > 0 })
            {
                Store.Remove(type, stored.Namespace, stored.Name);
                return (next, false);
            }

            return (Store.Commit(type, next, managers), stored is null);
        });
    }

    private static bool ManagersEqual(Dictionary<string, ManagedEntry> a, Dictionary<string, ManagedEntry> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other.Operation == kv.Value.Operation && other.Fields.SetEquals(kv.Value.Fields));

    // Graceful deletion with finalizers (https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/):
    // an object with finalizers gets a deletionTimestamp and stays until they are removed. propagationPolicy=Foreground
    // (https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion) also keeps it, with the
    // foregroundDeletion finalizer, until every dependent with blockOwnerDeletion is gone (VM → VMI: a guest's shutdown).
    private JsonObject Delete(ResourceType type, string? ns, string name, bool dryRun, string propagationPolicy)
    {
        if (propagationPolicy is not ("" or "Foreground" or "Background" or "Orphan"))
        {
            throw ApiError.BadRequest($"propagationPolicy {propagationPolicy} is not one of Foreground, Background, Orphan");
        }

        return Store.Atomically(() =>
        {
            var stored = Store.Get(type, ns, name) ?? throw ApiError.NotFound(type, name);
            if (dryRun)
            {
                return stored.Object.DeepClone().AsObject();
            }

            var kept = stored.Object["metadata"]?["finalizers"] is JsonArray { Count: > 0 }
                || (propagationPolicy == "Foreground" && Store.BlockingDependents(stored.Object["metadata"]?["uid"]?.GetValue<string>() ?? "").Count > 0);
            var result = Store.MarkDeleted(stored, propagationPolicy == "Foreground");
            if (kept || type == ResourceType.Service || type == ResourceType.PersistentVolumeClaim)
            {
                // An object that stays is returned as it now is. The Service registry answers a delete with the deleted
                // object (its OpenAPI says so); so does the PVC registry. Not modelled: kubernetes.io/pvc-protection,
                // which keeps a PVC in use visible, with a deletionTimestamp, until its pod is gone.
                return result;
            }

            return new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Success",
                ["details"] = new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural, ["uid"] = stored.Object["metadata"]!["uid"]!.DeepClone() },
            };
        });
    }
}
