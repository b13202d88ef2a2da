using System.Text.Json.Nodes;
using k8s;
using KVEdge.Core.Kube;

namespace KVEdge.Testing.ApiServer;

/// <summary>
/// A contract server plus what a test needs around it: a kubeconfig file, a KubernetesClient-backed
/// <see cref="IClusterClient"/> with fast retries, and seeds for a cluster where KubeVirt and CDI are installed.
/// </summary>
public sealed class ContractCluster : IAsyncDisposable
{
    public static readonly RetryPolicy FastRetry = new(4, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(20));

    private readonly string _folder;

    private ContractCluster(ContractApiServer server, string _folder)
    {
        Server = server;
        this._folder = _folder;
        Kubeconfig = server.WriteKubeconfig(Path.Combine(_folder, "kubeconfig"), "factory-a");
    }

    public static readonly IReadOnlyList<string> Namespaces = ["default", "kube-system", "kubevirt", "cdi", "factory-a", "factory-b"];

    public ContractApiServer Server { get; }

    public string Kubeconfig { get; }

    public static async Task<ContractCluster> StartAsync()
    {
        var _folder = Directory.CreateTempSubdirectory("kvedge-contract-").FullName;
        var server = await ContractApiServer.StartAsync();
        // The namespaces the tests use exist, as on a cluster: NamespaceLifecycle refuses objects in any other.
        foreach (var ns in Namespaces)
        {
            server.Seed(Parse($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"},"status":{"phase":"Active"}}"""));
        }

        return new ContractCluster(server, _folder);
    }

    public KubernetesClientConfiguration Config() => KubernetesClientConfiguration.BuildConfigFromConfigFile(Kubeconfig);

    public KubernetesClusterClient Client() => new(Config(), FastRetry);

    public k8s.Kubernetes RawClient() => new(Config());

    /// <summary>KubeVirt and CDI deployed, one node with /dev/kvm, a default storage class that offers ReadWriteMany.</summary>
    /// <param name="kubevirtConfiguration">The KubeVirt CR's spec.configuration (feature gates, emulation), as JSON.</param>
    public ContractCluster SeedHealthyCluster(string kubevirtVersion = "v1.9.0", string cdiVersion = "v1.66.0", string kubevirtConfiguration = "{}")
    {
        Server.Seed(Parse($$$"""{"apiVersion":"kubevirt.io/v1","kind":"KubeVirt","metadata":{"name":"kubevirt","namespace":"kubevirt"},"spec":{"configuration":{{{kubevirtConfiguration}}}},"status":{"phase":"Deployed","observedKubeVirtVersion":"{{{kubevirtVersion}}}"}}"""));
        Server.Seed(Parse($$$"""{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"CDI","metadata":{"name":"cdi"},"spec":{},"status":{"phase":"Deployed","observedVersion":"{{{cdiVersion}}}"}}"""));
        Server.Seed(Parse("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"edge-node-1"},"status":{"allocatable":{"devices.kubevirt.io/kvm":"1k"},"addresses":[{"type":"InternalIP","address":"192.168.10.21"},{"type":"Hostname","address":"edge-node-1"}]}}"""));
        Server.Seed(Parse("""{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"local-path","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},"provisioner":"rancher.io/local-path"}"""));
        Server.Seed(Parse("""{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"StorageProfile","metadata":{"name":"local-path"},"spec":{},"status":{"claimPropertySets":[{"accessModes":["ReadWriteMany"],"volumeMode":"Filesystem"}]}}"""));
        return this;
    }

    public static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
