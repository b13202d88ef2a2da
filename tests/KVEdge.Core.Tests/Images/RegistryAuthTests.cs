using System.Text.Json.Nodes;
using KVEdge.Core.Images;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Images;

/// <summary>A registry that asks for credentials (docker-registry with htpasswd): they come from the docker config file.</summary>
public sealed class RegistryAuthTests : IDisposable
{
    private readonly LocalRegistry _registry = new("edge", "s3cret");
    private readonly string _dir = Directory.CreateTempSubdirectory("kvedge-auth-").FullName;

    public void Dispose()
    {
        _registry.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private ContainerDisk Image()
    {
        var disk = Path.Combine(_dir, "d.qcow2");
        Assert.Equal(0, ExternalTool.Run(ExternalTool.Require("qemu-img"), ["create", "-q", "-f", "qcow2", disk, "16M"]).ExitCode);
        return ContainerDiskBuilder.Build(DiskImage.Probe(disk, out _)!, Path.Combine(_dir, "layout"), "v1", "amd64");
    }

    private string DockerConfig(string user, string password)
    {
        var path = Path.Combine(_dir, "config.json");
        var auths = new JsonObject { [_registry.Host] = new JsonObject { ["auth"] = DockerCredentials.Encode(user, password) } };
        File.WriteAllText(path, new JsonObject { ["auths"] = auths }.ToJsonString());
        return path;
    }

    [Fact]
    public async Task Credentials_from_the_docker_config_are_used()
    {
        var reference = ImageReference.TryParse($"{_registry.Host}/secure/disk:v1", out _)!;
        using var http = new HttpClient();
        var client = new RegistryClient(http, reference, plainHttp: true, DockerCredentials.For(_registry.Host, DockerConfig("edge", "s3cret")));
        var pushed = await client.PushAsync(Image(), null, null, CancellationToken.None);
        Assert.True(pushed.UploadedBytes > 0);
        var check = ExternalTool.Run(ExternalTool.Require("skopeo"), ["inspect", "--tls-verify=false", "--creds", "edge:s3cret", $"docker://{_registry.Host}/secure/disk:v1"]);
        Assert.True(check.ExitCode == 0, check.StdErr);
    }

    [Fact]
    public async Task Without_credentials_the_error_says_how_to_give_them()
    {
        var reference = ImageReference.TryParse($"{_registry.Host}/secure/disk:v1", out _)!;
        using var http = new HttpClient();
        var error = await Assert.ThrowsAsync<RegistryException>(() => new RegistryClient(http, reference, plainHttp: true).PushAsync(Image(), null, null, CancellationToken.None));
        Assert.Contains("asks for credentials; log in (docker login)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_credentials_fail_without_echoing_them()
    {
        var reference = ImageReference.TryParse($"{_registry.Host}/secure/disk:v1", out _)!;
        using var http = new HttpClient();
        var client = new RegistryClient(http, reference, plainHttp: true, DockerCredentials.For(_registry.Host, DockerConfig("edge", "wrong-password")));
        var error = await Assert.ThrowsAsync<RegistryException>(() => client.PushAsync(Image(), null, null, CancellationToken.None));
        Assert.Contains("401", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(DockerCredentials.Encode("edge", "wrong-password"), error.Message, StringComparison.Ordinal);
    }
}

/// <summary>
/// The Bearer flow (Docker Hub, ACR, Harbor): no such token service installs here, so the exchange is checked against a
/// scripted HTTP handler: challenge → token request with the docker-config credentials → retry with the token.
/// </summary>
public sealed class BearerTokenTests
{
    private sealed class ScriptedHandler : HttpMessageHandler
    {
        public List<string> Seen { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Seen.Add($"{request.Method} {request.RequestUri} {request.Headers.Authorization}");
            if (request.RequestUri!.Host == "auth.example.com")
            {
                var ok = request.Headers.Authorization?.ToString() == "Basic " + DockerCredentials.Encode("u", "p")
                    && request.RequestUri.Query.Contains("scope=repository%3Aedge%2Fdisk%3Apull%2Cpush", StringComparison.Ordinal)
                    && request.RequestUri.Query.Contains("service=registry.example.com", StringComparison.Ordinal);
                return Task.FromResult(new HttpResponseMessage(ok ? System.Net.HttpStatusCode.OK : System.Net.HttpStatusCode.Forbidden)
                {
                    Content = new StringContent("""{"token":"T0KEN"}"""),
                });
            }

            if (request.Headers.Authorization?.ToString() == "Bearer T0KEN")
            {
                return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
            }

            var challenge = new HttpResponseMessage(System.Net.HttpStatusCode.Unauthorized);
            challenge.Headers.WwwAuthenticate.ParseAdd("Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\",scope=\"repository:edge/disk:pull,push\"");
            return Task.FromResult(challenge);
        }
    }

    [Fact]
    public async Task A_bearer_challenge_is_answered_with_a_token_from_the_realm()
    {
        var handler = new ScriptedHandler();
        using var http = new HttpClient(handler);
        var client = new RegistryClient(http, ImageReference.TryParse("registry.example.com/edge/disk:v1", out _)!, plainHttp: false, new DockerCredentials(DockerCredentials.Encode("u", "p")));
        Assert.True(await client.BlobExistsAsync("sha256:" + new string('0', 64), CancellationToken.None));
        Assert.Equal(3, handler.Seen.Count);
        Assert.EndsWith("Bearer T0KEN", handler.Seen[2], StringComparison.Ordinal);
    }
}
