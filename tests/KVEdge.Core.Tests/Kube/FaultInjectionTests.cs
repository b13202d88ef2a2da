using System.Net;
using System.Text.Json.Nodes;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Testing.ApiServer;

using KVEdge.Core.Tests.Actions;

namespace KVEdge.Core.Tests.Kube;

/// <summary>
/// A failure injected at every request install, upgrade and uninstall make: a persistent one ends the command with an
/// error that says what was applied, and running it again converges to the same state as a clean run; a transient one
/// (429 with Retry-After, 503, a dropped connection) is retried and the command completes. The data disk survives all
/// of it.
/// </summary>
public sealed class FaultInjectionTests
{
    private static readonly string V1 = ClusterTestDevices.Spec();
    private static readonly string V2 = ClusterTestDevices.Spec(memory: "6Gi");

    private static readonly Fault[] Transient =
        [new Fault.Throttle(1), new Fault.Status(HttpStatusCode.ServiceUnavailable, "ServiceUnavailable"), new Fault.Drop()];

    public enum Verb
    {
        Install,
        Upgrade,
        Uninstall,
    }

    [Theory]
    [InlineData(Verb.Install)]
    [InlineData(Verb.Upgrade)]
    [InlineData(Verb.Uninstall)]
    public async Task Every_request_can_fail_and_a_rerun_converges(Verb verb)
    {
        var (expected, requestCount) = await CleanRun(verb);
        Assert.True(requestCount >= 6, $"{verb} made only {requestCount} requests");

        for (var i = 0; i < requestCount; i++)
        {
            await using var cluster = await Prepared(verb);
            using var client = cluster.Client();
            cluster.Server.Faults.AtRequest(i, new Fault.Status(HttpStatusCode.InternalServerError), times: 1000);
            var failed = await Run(verb, client);
            Assert.False(failed.Succeeded, $"{verb}: a persistent failure at request {i} ({cluster.Server.Requests[i]}) went unnoticed");
            Assert.False(string.IsNullOrWhiteSpace(failed.Error));
            if (verb != Verb.Install)
            {
                Assert.NotNull(cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-01-data"));
            }

            cluster.Server.Faults.Clear();
            var rerun = await Run(verb, client);
            Assert.True(rerun.Succeeded, $"{verb}: rerun after a failure at request {i}: {rerun.Error}");
            Assert.Equal(expected, Snapshot(cluster));
        }
    }

    [Theory]
    [InlineData(Verb.Install)]
    [InlineData(Verb.Upgrade)]
    [InlineData(Verb.Uninstall)]
    public async Task A_transient_failure_at_any_request_is_retried(Verb verb)
    {
        var (expected, requestCount) = await CleanRun(verb);
        foreach (var fault in Transient)
        {
            for (var i = 0; i < requestCount; i++)
            {
                await using var cluster = await Prepared(verb);
                using var client = cluster.Client();
                cluster.Server.Faults.AtRequest(i, fault, times: 1);
                var outcome = await Run(verb, client);
                Assert.True(outcome.Succeeded, $"{verb}: {fault} at request {i}: {outcome.Error}");
                Assert.Equal(expected, Snapshot(cluster));
            }
        }
    }

    [Fact]
    public async Task Uninstall_keeps_the_data_disk_and_credentials_and_purge_removes_them()
    {
        await using var cluster = await Prepared(Verb.Uninstall);
        using var client = cluster.Client();
        var kept = await new UninstallAction(client).RunAsync("factory-a", "edge-01", purge: false, DryRunMode.None, CancellationToken.None);
        Assert.Equal(["edge-01-data kept", "edge-01-credentials kept"], kept.Changes.Where(c => c.Action == ChangeAction.Kept).Select(c => $"{c.Name} {c.Verb}"));
        Assert.Equal(["DataVolume:edge-01-data", "Secret:edge-01-credentials"], Remaining(cluster));

        var dry = await new UninstallAction(client).RunAsync("factory-a", "edge-01", purge: true, DryRunMode.Client, CancellationToken.None);
        Assert.Equal(2, dry.Changes.Count(c => c.Action == ChangeAction.Deleted));
        Assert.Equal(2, Remaining(cluster).Count);

        var purged = await new UninstallAction(client).RunAsync("factory-a", "edge-01", purge: true, DryRunMode.None, CancellationToken.None);
        Assert.True(purged.Succeeded, purged.Error);
        Assert.Empty(Remaining(cluster));

        var again = await new UninstallAction(client).RunAsync("factory-a", "edge-01", purge: true, DryRunMode.None, CancellationToken.None);
        Assert.Contains("no objects of device factory-a/edge-01", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Uninstall_never_touches_objects_kvedge_did_not_create()
    {
        await using var cluster = await Prepared(Verb.Uninstall);
        cluster.Server.Seed(ContractCluster.Parse("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"edge-01-iotedge","namespace":"factory-a","labels":{"kvedge.io/device":"edge-01"}},"data":{"connection-string":"eA=="}}"""));
        using var client = cluster.Client();
        await new UninstallAction(client).RunAsync("factory-a", "edge-01", purge: true, DryRunMode.None, CancellationToken.None);
        Assert.NotNull(cluster.Server.Store.Read(ResourceType.Secret, "factory-a", "edge-01-iotedge"));
    }

    private static List<string> Remaining(ContractCluster cluster) =>
        [.. new[] { ResourceType.Service, ResourceType.VirtualMachine, ResourceType.DataVolume, ResourceType.ConfigMap, ResourceType.Secret }
            .SelectMany(t => cluster.Server.Store.List(t, "factory-a").Select(o => $"{t.Kind}:{o["metadata"]!["name"]}"))];

    private static async Task<(string Snapshot, int Requests)> CleanRun(Verb verb)
    {
        await using var cluster = await Prepared(verb);
        using var client = cluster.Client();
        var outcome = await Run(verb, client);
        Assert.True(outcome.Succeeded, outcome.Error);
        return (Snapshot(cluster), cluster.Server.Requests.Count);
    }

    // A fresh server in the state the verb starts from; its request log starts at 0 with the verb's first request.
    private static async Task<ContractCluster> Prepared(Verb verb)
    {
        var cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        if (verb != Verb.Install)
        {
            using var client = cluster.Client();
            var installed = await new InstallAction(client, new RecordingReporter()).RunAsync(ClusterTestDevices.Render(V1), ClusterTestDevices.Options(), CancellationToken.None);
            Assert.True(installed.Single().Succeeded);
        }

        cluster.Server.ResetRequests();
        return cluster;
    }

    private static async Task<DeviceOutcome> Run(Verb verb, IClusterClient client) => verb switch
    {
        Verb.Install => (await new InstallAction(client, new RecordingReporter()).RunAsync(ClusterTestDevices.Render(V1), ClusterTestDevices.Options(), CancellationToken.None)).Single(),
        Verb.Upgrade => (await new InstallAction(client, new RecordingReporter()).RunAsync(ClusterTestDevices.Render(V2), ClusterTestDevices.Options(upgrade: true), CancellationToken.None)).Single(),
        _ => await new UninstallAction(client).RunAsync("factory-a", "edge-01", purge: false, DryRunMode.None, CancellationToken.None),
    };

    // The stored objects without what the server assigns (uid, resourceVersion, managedFields timestamps).
    private static string Snapshot(ContractCluster cluster)
    {
        var all = new JsonArray();
        foreach (var type in new[] { ResourceType.Secret, ResourceType.ConfigMap, ResourceType.DataVolume, ResourceType.VirtualMachine, ResourceType.Service })
        {
            foreach (var o in cluster.Server.Store.List(type, "factory-a"))
            {
                var metadata = o["metadata"]!.AsObject();
                foreach (var volatileField in new[] { "uid", "resourceVersion", "creationTimestamp", "managedFields" })
                {
                    metadata.Remove(volatileField);
                }

                o.Remove("status");
                all.Add(o);
            }
        }

        return all.ToJsonString();
    }

    [Fact]
    public async Task A_list_cut_off_mid_answer_is_retried_whole_only_before_an_item_was_handed_on()
    {
        await using var cluster = await ContractCluster.StartAsync();
        using var client = cluster.Client();
        for (var i = 0; i < 5; i++)
        {
            cluster.Server.Seed(ContractCluster.Parse($$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm-{{{i}}}","namespace":"factory-a"},"data":{"k":"v"}}"""));
        }

        bool IsList(RecordedRequest r) => r.Method == "GET" && r.Path.EndsWith("/configmaps", StringComparison.Ordinal) && !r.IsWatch;

        // Cut before the first item: nothing was handed on, so the client's retry reads the whole list again.
        cluster.Server.Faults.When(IsList, new Fault.CutList(0), times: 1);
        var whole = await client.ListAsync(ClusterResource.ConfigMap, "factory-a", null, null, CancellationToken.None);
        Assert.Equal(5, whole.Items.Count);
        Assert.Equal(2, cluster.Server.Requests.Count(IsList));

        // Cut after two items: those two are already in the caller's hands, so a retry would give them twice; it is an
        // error instead, and the caller lists again (the informer does).
        cluster.Server.Faults.When(IsList, new Fault.CutList(2), times: 1);
        var seen = new List<string>();
        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(() => client.ListEachAsync(ClusterResource.ConfigMap, "factory-a", null, null,
            item => seen.Add(item.GetProperty("metadata").GetProperty("name").GetString()!), CancellationToken.None));
        Assert.Contains("after 2 items", error.Message, StringComparison.Ordinal);
        Assert.Equal(["cm-0", "cm-1"], seen);
    }
}
