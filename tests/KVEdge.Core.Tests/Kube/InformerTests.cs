using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Core.Spec;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Kube;

/// <summary>The informer's index and transform against the contract server: both follow adds, relabels and deletes.</summary>
public sealed class InformerTests
{
    private static JsonObject ConfigMap(string name, string device, string value) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = "factory-a",
            ["labels"] = new JsonObject { [StandardLabels.Device] = device },
        },
        ["data"] = new JsonObject { ["file"] = value },
    };

    private static async Task EventuallyAsync(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!done() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(done(), what);
    }

    [Fact]
    public async Task A_refused_list_is_told_and_listed_again_until_it_is_allowed()
    {
        await using var cluster = await ContractCluster.StartAsync();
        using var client = cluster.Client();
        await client.ApplyAsync(ClusterResource.ConfigMap, ConfigMap("a-config", "a", "v"), new ApplyOptions("test", Force: true, DryRun: false), CancellationToken.None);
        cluster.Server.Faults.When(r => r.Method == "GET" && r.Path.EndsWith("/configmaps", StringComparison.Ordinal) && !r.IsWatch,
            new Fault.Status(System.Net.HttpStatusCode.Forbidden, "Forbidden"), times: 2);

        var informer = new Informer(client, ClusterResource.ConfigMap, "factory-a", null) { InitialBackoff = TimeSpan.FromMilliseconds(10) };
        var failures = new List<Exception>();
        informer.ListFailed += ex =>
        {
            lock (failures)
            {
                failures.Add(ex);
            }
        };
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => informer.RunAsync(stop.Token));
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal("a-config", Assert.Single(informer.List())["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(2, failures.Count);
        Assert.All(failures, f => Assert.Equal(System.Net.HttpStatusCode.Forbidden, Assert.IsType<ClusterApiException>(f).Status));
        Assert.Equal(3, informer.Requests.Lists);
        await stop.CancelAsync();
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
            // Stopping is a cancellation.
        }
    }

    [Fact]
    public async Task The_index_follows_adds_relabels_and_deletes_and_every_object_is_transformed()
    {
        await using var cluster = await ContractCluster.StartAsync();
        cluster.Server.ClusterScope = true;
        using var client = cluster.Client();
        var apply = new ApplyOptions("test", Force: true, DryRun: false);
        await client.ApplyAsync(ClusterResource.ConfigMap, ConfigMap("a-config", "a", new string('x', 300)), apply, CancellationToken.None);

        var informer = new Informer(client, ClusterResource.ConfigMap, null, StandardLabels.Device)
        {
            Transform = CacheTransform.Compact(keepManager: null, digestLongStrings: true),
            IndexBy = o => o["metadata"]?["labels"]?[StandardLabels.Device]?.GetValue<string>(),
        };
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => informer.RunAsync(stop.Token));
        await informer.WaitForSyncAsync(CancellationToken.None);

        var listed = Assert.Single(informer.ByIndex("a"));
        Assert.Equal(CacheTransform.Digest(new string('x', 300)), listed["data"]!["file"]!.GetValue<string>());
        Assert.Null(listed["metadata"]!["managedFields"]);

        await client.ApplyAsync(ClusterResource.ConfigMap, ConfigMap("b-config", "b", "short"), apply, CancellationToken.None);
        await EventuallyAsync(() => informer.ByIndex("b").Count == 1, "a watched add should be indexed");
        Assert.Null(informer.ByIndex("b")[0]["metadata"]!["managedFields"]);

        await client.ApplyAsync(ClusterResource.ConfigMap, ConfigMap("b-config", "a", "short"), apply, CancellationToken.None);
        await EventuallyAsync(() => informer.ByIndex("a").Count == 2, "a relabelled object should move to its new index value");
        Assert.Empty(informer.ByIndex("b"));
        Assert.Equal(["a-config", "b-config"], informer.ByIndex("a").Select(o => o["metadata"]!["name"]!.GetValue<string>()));

        await client.DeleteAsync(ClusterResource.ConfigMap, "factory-a", "a-config", dryRun: false, CancellationToken.None);
        Assert.True(await client.DeleteAsync(ClusterResource.ConfigMap, "factory-a", "b-config", dryRun: false, CancellationToken.None));
        await EventuallyAsync(() => informer.List().Count == 0, $"deleted objects should leave the cache: {informer.List().Count}");
        await EventuallyAsync(() => informer.ByIndex("a").Count == 0, "a deleted object should leave the index");

        await stop.CancelAsync();
        try
        {
            await running;
        }
        catch (OperationCanceledException)
        {
            // Stopping is a cancellation.
        }
    }
}
