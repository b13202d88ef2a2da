using System.Text.Json.Nodes;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Kube;

// The store's garbage collector, which works from a graph of owner uids to dependents (as the real one's graph.go), not
// from a walk of every object: what it deletes, and what it must leave.
public sealed class ContractServerGarbageCollectorTests
{
    private readonly ObjectStore _store = new() { GarbageCollectionDelay = TimeSpan.Zero };

    private string Put(ResourceType type, string name, params (string Uid, bool Block)[] owners)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = "factory-a" };
        if (owners.Length > 0)
        {
            metadata["ownerReferences"] = new JsonArray([.. owners.Select(o => (JsonNode)new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = "owner", ["uid"] = o.Uid, ["blockOwnerDeletion"] = o.Block,
            })]);
        }

        var existing = _store.Get(type, "factory-a", name);
        if (existing is not null)
        {
            metadata["uid"] = existing.Object["metadata"]!["uid"]!.DeepClone();
        }

        return _store.Commit(type, new JsonObject { ["metadata"] = metadata }, [])["metadata"]!["uid"]!.GetValue<string>();
    }

    private bool Has(ResourceType type, string name) => _store.Get(type, "factory-a", name) is not null;

    [Fact]
    public void Deleting_an_owner_deletes_its_dependents_and_theirs_but_not_one_another_live_owner_holds()
    {
        var vm = Put(ResourceType.ConfigMap, "vm");
        var other = Put(ResourceType.ConfigMap, "other");
        var vmi = Put(ResourceType.Secret, "vmi", (vm, false));
        Put(ResourceType.Pod, "pod", (vmi, false));
        Put(ResourceType.Secret, "shared", (vm, false), (other, false));
        Put(ResourceType.Secret, "unrelated", (other, false));

        _store.Remove(ResourceType.ConfigMap, "factory-a", "vm");

        Assert.False(Has(ResourceType.Secret, "vmi"));
        Assert.False(Has(ResourceType.Pod, "pod"));
        Assert.True(Has(ResourceType.Secret, "shared"));
        Assert.True(Has(ResourceType.Secret, "unrelated"));
    }

    [Fact]
    public void A_dependent_whose_owner_reference_was_removed_is_not_collected_and_one_that_gained_it_is()
    {
        var vm = Put(ResourceType.ConfigMap, "vm");
        Put(ResourceType.Secret, "released", (vm, false));
        Put(ResourceType.Secret, "adopted");
        Put(ResourceType.Secret, "released");
        Put(ResourceType.Secret, "adopted", (vm, false));

        _store.Remove(ResourceType.ConfigMap, "factory-a", "vm");

        Assert.True(Has(ResourceType.Secret, "released"));
        Assert.False(Has(ResourceType.Secret, "adopted"));
    }

    // The collector works by uid, later than the deletion: an owner of the same name made meanwhile (another uid) does
    // not keep the old one's dependents, and the new one's own dependents stay.
    [Fact]
    public async Task A_new_owner_of_the_same_name_made_before_the_collector_runs_does_not_save_the_old_ones_dependents()
    {
        _store.GarbageCollectionDelay = TimeSpan.FromMilliseconds(200);
        var old = Put(ResourceType.ConfigMap, "vm");
        Put(ResourceType.Secret, "state", (old, false));
        _store.Remove(ResourceType.ConfigMap, "factory-a", "vm");
        var renewed = Put(ResourceType.ConfigMap, "vm");
        Put(ResourceType.Secret, "new-state", (renewed, false));
        Assert.True(Has(ResourceType.Secret, "state"));

        await Task.Delay(TimeSpan.FromMilliseconds(800));

        Assert.False(Has(ResourceType.Secret, "state"));
        Assert.True(Has(ResourceType.Secret, "new-state"));
        Assert.NotEqual(old, renewed);
    }

    [Fact]
    public void Foreground_deletion_waits_for_the_blocking_dependents_then_the_owner_goes()
    {
        var vm = Put(ResourceType.ConfigMap, "vm");
        Put(ResourceType.Secret, "blocking", (vm, true));
        Put(ResourceType.Secret, "background", (vm, false));
        _store.AddFinalizer(ResourceType.Secret, "factory-a", "blocking", "kubevirt.io/test");

        _store.MarkDeleted(_store.Get(ResourceType.ConfigMap, "factory-a", "vm")!, foreground: true);

        var owner = _store.Get(ResourceType.ConfigMap, "factory-a", "vm");
        Assert.NotNull(owner);
        Assert.Contains(ObjectStore.ForegroundDeletion, owner.Object["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.NotNull(_store.Get(ResourceType.Secret, "factory-a", "blocking")!.Object["metadata"]!["deletionTimestamp"]);

        _store.RemoveFinalizer(ResourceType.Secret, "factory-a", "blocking", "kubevirt.io/test");

        Assert.False(Has(ResourceType.Secret, "blocking"));
        Assert.False(Has(ResourceType.ConfigMap, "vm"));
        Assert.False(Has(ResourceType.Secret, "background"));
    }
}
