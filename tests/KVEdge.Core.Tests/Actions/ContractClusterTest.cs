using KVEdge.Core.Actions;
using KVEdge.Core.Kube;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Actions;

/// <summary>
/// A test class's own contract server (KubeVirt and CDI seeded as installed), a kvedge client for it, and the install
/// helpers the cluster tests share. <paramref name="simulate"/> starts the KubeVirt/CDI simulator.
/// </summary>
public abstract class ContractClusterTest(bool simulate = false) : IAsyncLifetime
{
    protected ContractCluster Cluster { get; private set; } = null!;

    protected KubernetesClusterClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        Client = Cluster.Client();
        if (simulate)
        {
            Cluster.Server.Simulator.Start();
        }
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Cluster.DisposeAsync();
    }

    protected async Task<DeviceOutcome> Install(string spec, InstallOptions options, RecordingReporter? reporter = null) =>
        (await new InstallAction(Client, reporter ?? new RecordingReporter()).RunAsync(ClusterTestDevices.Render(spec), options, CancellationToken.None)).Single();

    protected static string Verbs(DeviceOutcome o) => string.Join(" ", o.Changes.Select(c => $"{c.Resource.Kind}:{c.Verb}"));
}

/// <summary>A test class's own contract server (nothing seeded) and a plain KubernetesClient for it: the server's own contract.</summary>
public abstract class RawContractServerTest : IAsyncLifetime
{
    protected ContractCluster Cluster { get; private set; } = null!;

    protected k8s.Kubernetes Raw { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await ContractCluster.StartAsync();
        Raw = Cluster.RawClient();
    }

    public async Task DisposeAsync()
    {
        Raw.Dispose();
        await Cluster.DisposeAsync();
    }
}
