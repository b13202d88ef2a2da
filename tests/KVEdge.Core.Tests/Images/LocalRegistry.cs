using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Images;

/// <summary>The CNCF distribution registry (Debian's docker-registry) on 127.0.0.1, with its own storage, for one test class.</summary>
public sealed class LocalRegistry : IDisposable
{
    private readonly Process _process;

    public LocalRegistry()
    {
        Dir = Directory.CreateTempSubdirectory("kvedge-registry-").FullName;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var config = Path.Combine(Dir, "config.yml");
        File.WriteAllText(config, $"version: 0.1\nlog: {{level: error}}\nstorage: {{filesystem: {{rootdirectory: {Dir}/data}}, delete: {{enabled: true}}}}\nhttp: {{addr: 127.0.0.1:{Port}}}\n");
        var psi = new ProcessStartInfo(ExternalTool.Require("docker-registry")) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(config);
        _process = Process.Start(psi)!;
        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                if (http.GetAsync($"http://127.0.0.1:{Port}/v2/").GetAwaiter().GetResult().IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            Thread.Sleep(100);
        }

        throw new InvalidOperationException("docker-registry did not start");
    }

    public string Dir { get; }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public void Dispose()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}
