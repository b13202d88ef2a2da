using System.CommandLine;
using k8s;
using KVEdge.Cli.Console;
using KVEdge.Core.Kube;

namespace KVEdge.Cli.Commands;

/// <summary>--kubeconfig, --context and -n/--namespace, as kubectl has them, and the connection they describe.</summary>
internal sealed class ClusterOptions(ICliConsole console, ClusterClientFactory factory)
{
    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)." };

    public Option<string?> Context { get; } = new("--context") { Description = "The kubeconfig context to use." };

    public Option<string?> Namespace { get; } = new Option<string?>("--namespace", "-n") { Description = "Namespace (default: the context's namespace, else default)." }.ValidatedAsNamespace();

    public IEnumerable<Option> All => [Kubeconfig, Context, Namespace];

    public KubernetesClientConfiguration ResolveConfig(ParseResult result) =>
        ClusterConnection.Resolve(
            new ClusterConnectionOptions(result.GetValue(Kubeconfig), result.GetValue(Context)),
            console.GetEnvironmentVariable,
            console.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>
    /// The connection, or why there is none, without failing yet: commands that check their input first still need
    /// the context's namespace for it, and report a missing cluster only once the input is known to be good.
    /// </summary>
    public (KubernetesClientConfiguration? Config, ClusterUnavailableException? Error) TryResolveConfig(ParseResult result)
    {
        try
        {
            return (ResolveConfig(result), null);
        }
        catch (ClusterUnavailableException ex)
        {
            return (null, ex);
        }
    }

    public IClusterClient Connect(KubernetesClientConfiguration config) => factory(config);

    /// <summary>-n, else the kubeconfig context's namespace, else "default".</summary>
    public string NamespaceFor(ParseResult result, KubernetesClientConfiguration? config) =>
        result.GetValue(Namespace) ?? config?.Namespace ?? "default";

    /// <summary>
    /// Runs a cluster command's body with a client and the namespace (-n, else the context's), disposing the client
    /// after; a missing or silent cluster reaches <see cref="CliCommand"/>, which makes it one line and its exit code.
    /// </summary>
    public Task<int> RunAsync(ParseResult result, Func<IClusterClient, string, Task<int>> body)
    {
        var config = ResolveConfig(result);
        return ConnectedAsync(config, client => body(client, NamespaceFor(result, config)));
    }

    /// <summary>Runs a body with a client for a configuration resolved earlier (when the input is checked first), disposing it after.</summary>
    public async Task<int> ConnectedAsync(KubernetesClientConfiguration config, Func<IClusterClient, Task<int>> body)
    {
        var client = Connect(config);
        try
        {
            return await body(client).ConfigureAwait(false);
        }
        finally
        {
            (client as IDisposable)?.Dispose();
        }
    }
}
