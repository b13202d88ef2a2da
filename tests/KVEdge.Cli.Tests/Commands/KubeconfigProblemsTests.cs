using System.Net;
using System.Net.Sockets;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>What is wrong with a kubeconfig or the server it names is said as that, exit 3: never "internal error".</summary>
public sealed class KubeconfigProblemsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kvedge-cli-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_folder, true);

    private string Kubeconfig(string server, string user) => Write("kubeconfig", $$$"""
        apiVersion: v1
        kind: Config
        clusters:
        - {name: c, cluster: {server: "{{{server}}}", insecure-skip-tls-verify: true}}
        users:
        - {name: u, user: {{{user}}}}
        contexts:
        - {name: x, context: {cluster: c, user: u}}
        current-context: x
        """);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task A_server_that_speaks_plain_http_is_named_as_such()
    {
        // A port on this machine that answers HTTP, not TLS (a kubeconfig pointing at an ingress's HTTP port, say).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var server = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(cts.Token);
                await client.GetStream().WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), cts.Token);
            }
        }, cts.Token);

        var (code, console) = TestConsole.Run("status", "--kubeconfig", Kubeconfig($"https://127.0.0.1:{port}", "{token: t0k3n}"));
        await cts.CancelAsync();
        Assert.Equal(ExitCodes.ClusterUnavailable, code);
        Assert.Contains("the TLS handshake failed", console.Err, StringComparison.Ordinal);
        Assert.Contains("is this an HTTPS port?", console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", console.Err, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server);
    }

    [Fact]
    public void A_client_key_that_is_not_one_is_named_as_such()
    {
        var kubeconfig = Kubeconfig("https://127.0.0.1:1", "{client-certificate-data: \"bm90IGEgY2VydA==\", client-key-data: \"bm90IGEga2V5\"}");
        var (code, console) = TestConsole.Run("status", "--kubeconfig", kubeconfig);
        Assert.Equal(ExitCodes.ClusterUnavailable, code);
        Assert.Contains("the kubeconfig user's client certificate or key cannot be used", console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", console.Err, StringComparison.Ordinal);
    }
}
