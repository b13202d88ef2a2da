using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using KVEdge.Core.Images;
using KVEdge.Core.Spec;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Cli.Tests.Release;

/// <summary>
/// The operator image, built from the NativeAOT binary by kvedge's own image code with no base image, pushed to the
/// local registry (docker-registry), fetched back with skopeo and unpacked with umoci as a container runtime would; the
/// binary then runs from the unpacked root filesystem, through the image's own loader and libraries only (its memory
/// maps say so), as the operator against the contract server: /healthz answers over the probe port, and TLS to the
/// API server works with the image's OpenSSL.
/// </summary>
[Collection(ReleaseRunsAlone.Name)]
public sealed class OperatorImageTests : IClassFixture<NativeBinaryTests.Binary>, IDisposable
{
    private readonly string _binary;
    private readonly string _folder = Directory.CreateTempSubdirectory("kvedge-operator-image-").FullName;

    public OperatorImageTests(NativeBinaryTests.Binary binary) => _binary = binary.Path;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void Ok(ToolResult r, string what) => Assert.True(r.ExitCode == 0, $"{what}: {r.StdOut}{r.StdErr}");

    [Fact]
    public void The_same_binary_gives_the_same_image_digest()
    {
        var files = OperatorImage.FilesFor(_binary);
        var first = OperatorImage.Build(files, Path.Combine(_folder, "a"), "test", OperatorImage.RuntimeArchitecture);
        var second = OperatorImage.Build(files, Path.Combine(_folder, "b"), "test", OperatorImage.RuntimeArchitecture);
        Assert.Equal(first.Manifest.Digest, second.Manifest.Digest);
        // The binary, the loader, the C library and OpenSSL (opened by name at run time); nothing else of the machine.
        var paths = files.Select(f => f.ImagePath).ToList();
        Assert.Contains("/kvedge", paths);
        Assert.Contains(paths, p => p.EndsWith("/libc.so.6", StringComparison.Ordinal));
        Assert.Contains(paths, p => p.EndsWith("/libssl.so.3", StringComparison.Ordinal));
        Assert.Contains(paths, p => p.Contains("/ld-linux", StringComparison.Ordinal));
        Assert.All(paths, p => Assert.Matches(@"^/(kvedge|(usr/)?lib(64|/x86_64-linux-gnu|/aarch64-linux-gnu)?/[A-Za-z0-9_.+-]+\.so[0-9.]*)\z", p));
    }

    [Fact]
    public void Kvedge_image_operator_pushes_the_image_of_itself_with_the_same_digest()
    {
        using var registry = new LocalRegistry();
        var expected = OperatorImage.Build(OperatorImage.FilesFor(_binary), Path.Combine(_folder, "expected"), "cli", OperatorImage.RuntimeArchitecture).Manifest.Digest;
        var layout = Path.Combine(_folder, "cli-layout");
        var run = ExternalTool.Run(_binary, ["image", "operator", "--tag", $"{registry.Host}/kvedge/kvedge-operator:cli", "--push", "--plain-http", "--oci-layout", layout], timeoutSeconds: 120);
        Ok(run, "kvedge image operator");
        Assert.Equal($"{registry.Host}/kvedge/kvedge-operator@{expected}\n", run.StdOut);
        Assert.True(File.Exists(Path.Combine(layout, "index.json")));
        var inspect = ExternalTool.Run(ExternalTool.Require("skopeo"), ["inspect", "--tls-verify=false", $"docker://{registry.Host}/kvedge/kvedge-operator:cli"], timeoutSeconds: 60);
        Ok(inspect, "skopeo inspect");
        Assert.Equal(expected, JsonNode.Parse(inspect.StdOut)!["Digest"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pushed_fetched_and_unpacked_it_runs_the_operator_from_its_own_files()
    {
        var files = OperatorImage.FilesFor(_binary);
        var image = OperatorImage.Build(files, Path.Combine(_folder, "layout"), "test", OperatorImage.RuntimeArchitecture);
        using var registry = new LocalRegistry();
        var reference = ImageReference.TryParse($"{registry.Host}/kvedge/kvedge-operator:test", out var error) ?? throw new InvalidOperationException(error);
        using (var http = new HttpClient())
        {
            await new RegistryClient(http, reference, plainHttp: true).PushAsync(image, null, null, CancellationToken.None);
        }

        var fetched = Path.Combine(_folder, "fetched");
        Ok(ExternalTool.Run(ExternalTool.Require("skopeo"), ["copy", "--src-tls-verify=false", "--insecure-policy", $"docker://{reference}", $"oci:{fetched}:test"], timeoutSeconds: 120), "skopeo copy");
        var bundle = Path.Combine(_folder, "bundle");
        Ok(ExternalTool.Run(ExternalTool.Require("umoci"), ["unpack", "--rootless", "--image", $"{fetched}:test", bundle], timeoutSeconds: 120), "umoci unpack");

        // The runtime spec umoci made from the image's config: a non-root user, /kvedge operator.
        var runtime = JsonNode.Parse(File.ReadAllText(Path.Combine(bundle, "config.json")))!;
        Assert.Equal(65532, runtime["process"]!["user"]!["uid"]!.GetValue<int>());
        Assert.Equal(["/kvedge", "operator"], runtime["process"]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));

        var rootfs = Path.Combine(bundle, "rootfs");
        await using var cluster = await ContractCluster.StartAsync();
        cluster.Server.ClusterScope = true;
        cluster.Server.InstallCrd(EdgeDeviceCrd.Build());
        var probe = LoopbackPort.Free();
        var loader = files.Single(f => f.ImagePath.Contains("/ld-linux", StringComparison.Ordinal)).ImagePath;
        var libraries = string.Join(':', files.Where(f => f.ImagePath != "/kvedge").Select(f => rootfs + Path.GetDirectoryName(f.ImagePath)).Distinct());
        var psi = new ProcessStartInfo("/usr/bin/env") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-i", "--default-signal=TERM", rootfs + loader, "--inhibit-cache", "--library-path", libraries, rootfs + "/kvedge",
            "operator", "--kubeconfig", cluster.Kubeconfig, "--health-probe-bind-address", $"127.0.0.1:{probe}" })
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        try
        {
            using var http = new HttpClient();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            var ready = false;
            while (!ready && DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    ready = (await http.GetAsync($"http://127.0.0.1:{probe}/readyz")).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                await Task.Delay(100);
            }

            Assert.True(ready, "the operator from the image never became ready: " + (process.HasExited ? await stderr : "(still running)"));
            // Ready means its informers listed over TLS: OpenSSL is loaded, and from the image, as is everything else.
            var mapped = File.ReadAllLines($"/proc/{process.Id}/maps")
                .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length >= 6 && f[5].StartsWith('/'))
                .Select(f => f[5])
                .Distinct()
                .ToList();
            Assert.Contains(mapped, m => m.EndsWith("/libssl.so.3", StringComparison.Ordinal));
            Assert.All(mapped, m => Assert.StartsWith(rootfs + "/", m, StringComparison.Ordinal));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
        }
    }

}
