using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Actions;

/// <summary>
/// One device's reconcile, the step install/upgrade and the operator share: it never waits on the cluster (an object
/// still being deleted is a requeue, returned at once), resumes where it stopped without applying anything twice, and
/// stops with a typed, CamelCase reason.
/// </summary>
public sealed class DeviceReconcilerTests() : ContractClusterTest(simulate: false)
{
    private async Task<DeviceScope> Scope(InstallOptions options, RecordingReporter reporter)
    {
        var device = ClusterTestDevices.Render(ClusterTestDevices.Spec()).Single();
        var known = await LiveObjects.LoadAsync(Client, [device], 1, CancellationToken.None);
        return new DeviceScope(device, known, options, reporter);
    }

    [Fact]
    public async Task An_object_being_deleted_is_a_requeue_and_the_next_reconcile_resumes_at_it()
    {
        Assert.True((await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options())).Succeeded);
        // The ConfigMap (after the Secrets) is being deleted, held by a finalizer.
        Cluster.Server.Store.AddFinalizer(ResourceType.ConfigMap, "factory-a", "edge-01-config", "example.com/hold");
        await Client.DeleteAsync(ClusterResource.ConfigMap, "factory-a", "edge-01-config", dryRun: false, CancellationToken.None);

        var reporter = new RecordingReporter();
        var scope = await Scope(ClusterTestDevices.Options(), reporter);
        var reconciler = new DeviceReconciler(Client);
        var first = await reconciler.ReconcileAsync(scope, CancellationToken.None);

        Assert.Equal(ReconcileStep.Requeue, first.Step);
        Assert.Equal(scope.Options.DeletionPoll, first.RequeueAfter);
        Assert.Equal("configmap/edge-01-config to finish deleting (it has a deletionTimestamp)", first.WaitingFor);
        Assert.Equal(["edge-01: configmap/edge-01-config to finish deleting (it has a deletionTimestamp)"], reporter.Waits);
        Assert.NotEmpty(scope.Changes);
        Assert.All(scope.Changes, c => Assert.Equal(ClusterResource.Secret, c.Resource));
        var secrets = scope.Changes.Count;
        Assert.Null(scope.Failure);

        // Still held: a requeue again, announced once.
        Assert.Equal(ReconcileStep.Requeue, (await reconciler.ReconcileAsync(scope, CancellationToken.None)).Step);
        Assert.Single(reporter.Waits);

        // Gone: the reconcile resumes at the ConfigMap; the Secret is not applied again.
        Cluster.Server.Store.RemoveFinalizer(ResourceType.ConfigMap, "factory-a", "edge-01-config", "example.com/hold");
        Assert.Null(Cluster.Server.Store.Read(ResourceType.ConfigMap, "factory-a", "edge-01-config"));
        Cluster.Server.ResetRequests();
        Assert.Equal(ReconcileStep.Done, (await reconciler.ReconcileAsync(scope, CancellationToken.None)).Step);
        Assert.DoesNotContain(Cluster.Server.Requests, r => r.Path.Contains("/secrets/", StringComparison.Ordinal));
        Assert.Equal(ChangeAction.Created, scope.Changes.Single(c => c.Resource == ClusterResource.ConfigMap).Action);
        Assert.Equal(secrets, scope.Changes.Count(c => c.Resource == ClusterResource.Secret));
        Assert.True(scope.Outcome().Succeeded);
    }

    [Fact]
    public async Task Failures_carry_a_CamelCase_reason_and_stop_the_phases()
    {
        // upgrade of a device that is not installed.
        var scope = await Scope(ClusterTestDevices.Options(upgrade: true), new RecordingReporter());
        Assert.Equal(ReconcileStep.Stopped, (await new DeviceReconciler(Client).ReconcileAsync(scope, CancellationToken.None)).Step);
        Assert.Equal(DeviceFailure.NotInstalled, scope.Failure?.Reason);
        Assert.Equal("factory-a/edge-01 is not installed (no VirtualMachine edge-01); use 'kvedge install'", scope.Failure?.Message);
        Assert.Empty(scope.Changes);
        // A stopped scope stays stopped.
        Assert.Equal(ReconcileStep.Stopped, (await new DeviceReconciler(Client).ReconcileAsync(scope, CancellationToken.None)).Step);

        // virtctl stop: virt-api owns spec.runStrategy. ManagedByKubeVirt, an outcome the CLI maps to its conflict exit code.
        Assert.True((await Install(ClusterTestDevices.Spec(), ClusterTestDevices.Options())).Succeeded);
        Cluster.Server.VirtctlSetRunStrategy("factory-a", "edge-01", "Halted");
        scope = await Scope(ClusterTestDevices.Options(upgrade: true), new RecordingReporter());
        Assert.Equal(ReconcileStep.Stopped, (await new DeviceReconciler(Client).ReconcileAsync(scope, CancellationToken.None)).Step);
        Assert.Equal(DeviceFailure.ManagedByKubeVirt, scope.Failure?.Reason);
        Assert.True(scope.Outcome().Conflict);
    }
}
