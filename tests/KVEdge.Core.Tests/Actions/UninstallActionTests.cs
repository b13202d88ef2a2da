using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Actions;

/// <summary>
/// Uninstall against the contract server with KubeVirt simulated: what a user's data is (the data disk, the
/// credentials, a DPS TPM device's vTPM state) survives without --purge, and goes with it.
/// </summary>
public sealed class UninstallActionTests : IAsyncLifetime
{
    private const string TpmSpec = """
        apiVersion: kvedge.io/v1alpha1
        kind: EdgeDevice
        metadata: {name: edge-tpm, namespace: factory-a}
        spec:
          ssh: {authorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGj12ED+RvJ0udG+wWO2WBALQhF7whJ4zbMyMiE7aDRk ops@factory-a"]}
          iotEdge:
            provisioning: {source: dps, method: tpm, idScope: 0ne00000A0A, registrationId: edge-tpm}
        """;

    private ContractCluster _cluster = null!;
    private KubernetesClusterClient _client = null!;

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _client = _cluster.Client();
        _cluster.Server.Simulator.Start();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _cluster.DisposeAsync();
    }

    private async Task InstallAndWait()
    {
        var outcome = (await new InstallAction(_client, new RecordingReporter()).RunAsync(ClusterTestDevices.Render(TpmSpec), ClusterTestDevices.Options(wait: true), CancellationToken.None)).Single();
        Assert.True(outcome.Succeeded, outcome.Error);
    }

    // Foreground deletion keeps the VM, with a deletionTimestamp, while its guest shuts down.
    private async Task Gone(ResourceType type, string name)
    {
        for (var i = 0; i < 100 && _cluster.Server.Store.Read(type, "factory-a", name) is { } still; i++)
        {
            Assert.NotNull(still["metadata"]!["deletionTimestamp"]);
            await Task.Delay(100);
        }

        Assert.Null(_cluster.Server.Store.Read(type, "factory-a", name));
    }

    private IReadOnlyList<JsonObject> States() =>
        [.. _cluster.Server.Store.List(ResourceType.PersistentVolumeClaim, "factory-a").Where(p => p["metadata"]?["labels"]?["persistent-state-for"]?.GetValue<string>() == "edge-tpm")];

    [Fact]
    public async Task A_device_the_Helm_chart_installed_is_uninstalled_too()
    {
        await InstallAndWait();
        // helm install overwrites app.kubernetes.io/managed-by with "Helm" on every object it creates.
        foreach (var type in new[] { ResourceType.Secret, ResourceType.ConfigMap, ResourceType.DataVolume, ResourceType.VirtualMachine, ResourceType.Service })
        {
            foreach (var obj in _cluster.Server.Store.List(type, "factory-a").Where(o => o["metadata"]?["labels"]?["kvedge.io/device"] is not null).ToList())
            {
                obj["metadata"]!["labels"]!["app.kubernetes.io/managed-by"] = "Helm";
                _cluster.Server.Store.Commit(type, obj, []);
            }
        }

        var outcome = await new UninstallAction(_client).RunAsync("factory-a", "edge-tpm", purge: false, DryRunMode.None, CancellationToken.None);

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Contains(outcome.Changes, c => c.Resource == ClusterResource.VirtualMachine && c.Action == ChangeAction.Deleted);
        await Gone(ResourceType.VirtualMachine, "edge-tpm");
    }

    [Fact]
    public async Task Control_deleting_the_VM_garbage_collects_the_vTPM_state_it_owns()
    {
        await InstallAndWait();
        var state = Assert.Single(States());
        Assert.Equal("VirtualMachine", state["metadata"]!["ownerReferences"]![0]!["kind"]!.GetValue<string>());
        await _client.DeleteAsync(ClusterResource.VirtualMachine, "factory-a", "edge-tpm", dryRun: false, CancellationToken.None);
        // The garbage collector comes later (in the background, by owner uid), but it comes.
        for (var i = 0; i < 50 && States().Count > 0; i++)
        {
            await Task.Delay(100);
        }

        Assert.Empty(States());
    }

    [Fact]
    public async Task A_VM_deleted_and_installed_again_at_once_keeps_its_vTPM_state_from_the_late_garbage_collector()
    {
        // kubectl delete (Background propagation), or a GitOps prune and re-add: the new VM comes before the collector.
        _cluster.Server.Store.GarbageCollectionDelay = TimeSpan.FromSeconds(2);
        await InstallAndWait();
        var uid = Assert.Single(States())["metadata"]!["uid"]!.GetValue<string>();
        using (var kubectl = _cluster.RawClient())
        {
            await k8s.CustomObjectsOperationsExtensions.DeleteNamespacedCustomObjectAsync(kubectl.CustomObjects, "kubevirt.io", "v1", "factory-a", "virtualmachines", "edge-tpm",
                new k8s.Models.V1DeleteOptions { PropagationPolicy = "Background" });
        }

        await Gone(ResourceType.VirtualMachine, "edge-tpm");

        var outcome = (await new InstallAction(_client, new RecordingReporter()).RunAsync(ClusterTestDevices.Render(TpmSpec), ClusterTestDevices.Options(wait: true), CancellationToken.None)).Single();
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.True(outcome.Changes.Any(c => c.Resource == ClusterResource.PersistentVolumeClaim), string.Join("\n", outcome.Changes.Select(c => $"{c.Resource.DisplayName}/{c.Name} {c.Action} {c.Detail}")) + " states: " + string.Join(",", States().Select(s => s.ToJsonString())));
        var kept = outcome.Changes.Single(c => c.Resource == ClusterResource.PersistentVolumeClaim);
        Assert.Equal(ChangeAction.Kept, kept.Action);
        Assert.StartsWith("the vTPM state a deleted VM of this name left", kept.Detail, StringComparison.Ordinal);

        // Past the collector's delay: the state the new VM uses is still there, the same one.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var state = Assert.Single(States());
        Assert.Equal(uid, state["metadata"]!["uid"]!.GetValue<string>());
        Assert.Null(state["metadata"]!["deletionTimestamp"]);
    }

    [Fact]
    public async Task Uninstall_keeps_the_vTPM_state_a_reinstall_finds_it_and_purge_deletes_it()
    {
        await InstallAndWait();
        var uid = Assert.Single(States())["metadata"]!["uid"]!.GetValue<string>();

        var outcome = await new UninstallAction(_client).RunAsync("factory-a", "edge-tpm", purge: false, DryRunMode.None, CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.Error);
        await Gone(ResourceType.VirtualMachine, "edge-tpm");
        var kept = Assert.Single(States());
        Assert.Equal(uid, kept["metadata"]!["uid"]!.GetValue<string>());
        Assert.Null(kept["metadata"]!["ownerReferences"]);
        Assert.Equal("disabled", kept["metadata"]!["annotations"]!["kustomize.toolkit.fluxcd.io/prune"]!.GetValue<string>());
        Assert.Equal("Delete=false,Prune=false", kept["metadata"]!["annotations"]!["argocd.argoproj.io/sync-options"]!.GetValue<string>());
        var change = outcome.Changes.Single(c => c.Resource == ClusterResource.PersistentVolumeClaim);
        Assert.Equal(ChangeAction.Kept, change.Action);
        Assert.StartsWith("the vTPM state (the TPM's keys, which DPS knows this device by)", change.Detail, StringComparison.Ordinal);
        Assert.Contains("--purge deletes it", change.Detail, StringComparison.Ordinal);
        // The owner reference went before the VM did (after it, the garbage collector would have been first).
        var requests = _cluster.Server.Requests.Select(r => $"{r.Method} {r.Path}").ToList();
        Assert.True(requests.FindIndex(r => r.StartsWith("PATCH", StringComparison.Ordinal) && r.Contains("persistentvolumeclaims", StringComparison.Ordinal))
            < requests.FindIndex(r => r.StartsWith("DELETE", StringComparison.Ordinal) && r.Contains("virtualmachines", StringComparison.Ordinal)));

        // A re-install: KubeVirt finds the state by its label, so the TPM (and its DPS registration) is the same one.
        await InstallAndWait();
        Assert.Equal(uid, Assert.Single(States())["metadata"]!["uid"]!.GetValue<string>());

        var purged = await new UninstallAction(_client).RunAsync("factory-a", "edge-tpm", purge: true, DryRunMode.None, CancellationToken.None);
        Assert.True(purged.Succeeded, purged.Error);
        Assert.Equal(ChangeAction.Deleted, purged.Changes.Single(c => c.Resource == ClusterResource.PersistentVolumeClaim).Action);
        Assert.Empty(States());
    }

    [Fact]
    public async Task A_dry_run_changes_nothing_and_says_what_it_would_keep()
    {
        await InstallAndWait();
        _cluster.Server.ResetRequests();
        var outcome = await new UninstallAction(_client).RunAsync("factory-a", "edge-tpm", purge: false, DryRunMode.Client, CancellationToken.None);
        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.IsWrite);
        Assert.NotNull(Assert.Single(States())["metadata"]!["ownerReferences"]);
        Assert.Equal(ChangeAction.Kept, outcome.Changes.Single(c => c.Resource == ClusterResource.PersistentVolumeClaim).Action);
    }
}
