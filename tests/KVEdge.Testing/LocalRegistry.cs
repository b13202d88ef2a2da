using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace KVEdge.Testing;

/// <summary>The CNCF distribution registry (Debian's docker-registry) on 127.0.0.1, with its own storage, for one test class.</summary>
public sealed class LocalRegistry : IDisposable
{
    private readonly Process _process;

    public LocalRegistry(string? user = null, string? password = null)
    {
        Dir = Directory.CreateTempSubdirectory("kvedge-registry-").FullName;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var config = Path.Combine(Dir, "config.yml");
        var auth = "";
        if (user is not null)
        {
            var htpasswd = Path.Combine(Dir, "htpasswd");
            File.WriteAllText(htpasswd, ExternalTool.Run(ExternalTool.Require("htpasswd"), ["-Bbn", user, password ?? ""]).StdOut);
            auth = $"auth: {{htpasswd: {{realm: kvedge-test, path: {htpasswd}}}}}\n";
        }

        File.WriteAllText(config, $"version: 0.1\nlog: {{level: error}}\nstorage: {{filesystem: {{rootdirectory: {Dir}/data}}, delete: {{enabled: true}}}}\nhttp: {{addr: 127.0.0.1:{Port}}}\n{auth}");
        var psi = new ProcessStartInfo(ExternalTool.Require("docker-registry")) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("serve");
        psi.ArgumentList.Add(config);
        _process = Process.Start(psi)!;
        using var http = new HttpClient();
        for (var i = 0; i < 100; i++)
        {
            try
            {
                var status = http.GetAsync($"http://127.0.0.1:{Port}/v2/").GetAwaiter().GetResult().StatusCode;
                if (status is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.Unauthorized)
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
