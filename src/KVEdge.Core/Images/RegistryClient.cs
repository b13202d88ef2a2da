using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Images;

/// <summary>
/// An OCI distribution-spec client for pushing: blobs already in the repository are skipped (HEAD), blobs in another
/// repository of the same registry are mounted (no bytes sent), others go up in chunks; credentials come from the
/// docker config file (Basic, or exchanged for a Bearer token where the registry asks for one).
/// </summary>
public sealed class RegistryClient(HttpClient http, ImageReference target, bool plainHttp, DockerCredentials? credentials = null)
{
    public const int ChunkSize = 16 << 20;

    private string? _bearer;

    private string Base => $"{(plainHttp ? "http" : "https")}://{target.Registry}/v2/{target.Repository}";

    /// <summary>
    /// Pushes the image's blobs and manifest. With <paramref name="layerInRepository"/> the caller already knows the layer
    /// is there (it just streamed it, or asked): it is neither checked again nor counted.
    /// </summary>
    public async Task<PushResult> PushAsync(ContainerDisk image, string? mountFrom, IProgress<long>? progress, CancellationToken ct, bool layerInRepository = false)
    {
        long uploaded = 0;
        int skipped = 0, mounted = 0;
        foreach (var blob in layerInRepository ? [image.Config] : new[] { image.Layer, image.Config })
        {
            if (await BlobExistsAsync(blob.Digest, ct))
            {
                skipped++;
                continue;
            }

            if (mountFrom is not null && await TryMountAsync(blob.Digest, mountFrom, ct))
            {
                mounted++;
                continue;
            }

            uploaded += await UploadAsync(ContainerDiskBuilder.BlobPath(image.LayoutDir, blob.Digest), blob, progress, ct);
        }

        var manifest = await File.ReadAllBytesAsync(ContainerDiskBuilder.BlobPath(image.LayoutDir, image.Manifest.Digest), ct);
        using var put = new ByteArrayContent(manifest);
        put.Headers.ContentType = new MediaTypeHeaderValue(ContainerDiskBuilder.ManifestMediaType);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, $"{Base}/manifests/{target.Tag}") { Content = put }, ct);
        await EnsureAsync(response, "put the manifest", ct);
        return new PushResult(image.Manifest.Digest, uploaded, skipped, mounted);
    }

    public async Task<bool> BlobExistsAsync(string digest, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, $"{Base}/blobs/{digest}"), ct);
        return response.StatusCode == HttpStatusCode.OK;
    }

    private async Task<bool> TryMountAsync(string digest, string fromRepository, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"{Base}/blobs/uploads/?mount={digest}&from={Uri.EscapeDataString(fromRepository)}"), ct);
        return response.StatusCode == HttpStatusCode.Created;
    }

    private async Task<long> UploadAsync(string path, Blob blob, IProgress<long>? progress, CancellationToken ct)
    {
        var upload = await BeginUploadAsync(ct);
        var buffer = new byte[ChunkSize];
        long offset = 0;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true);
        while (true)
        {
            var n = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
            if (n == 0)
            {
                break;
            }

            await upload.SendChunkAsync(buffer, n, offset, ct);
            offset += n;
            progress?.Report(offset);
        }

        await upload.FinishAsync(blob.Digest, ct);
        return offset;
    }

    /// <summary>Starts an upload whose bytes are streamed while they are produced (see <see cref="StreamingUpload"/>).</summary>
    public async Task<StreamingUpload> BeginStreamAsync(CancellationToken ct)
    {
        var upload = await BeginUploadAsync(ct);
        return new StreamingUpload(upload.SendStreamAsync, upload.FinishAsync, ct);
    }

    private async Task<UploadSession> BeginUploadAsync(CancellationToken ct)
    {
        using var start = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"{Base}/blobs/uploads/"), ct);
        await EnsureAsync(start, "start an upload", ct);
        return new UploadSession(this, Resolve(start));
    }

    /// <summary>One chunked upload (POST, PATCH with Content-Range..., PUT ?digest=), following the Location each answer gives.</summary>
    private sealed class UploadSession(RegistryClient client, string location)
    {
        private string _location = location;

        public async Task SendChunkAsync(byte[] buffer, int length, long offset, CancellationToken ct)
        {
            using var patch = await client.SendAsync(() =>
            {
                var content = new ByteArrayContent(buffer, 0, length);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                // The distribution spec's "start-end" form, which .NET's RFC 7233 parser would refuse.
                content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + length - 1}");
                return new HttpRequestMessage(HttpMethod.Patch, _location) { Content = content };
            }, ct);
            await EnsureAsync(patch, "upload a chunk", ct);
            _location = client.Resolve(patch);
        }

        /// <summary>The distribution spec's streamed upload: one PATCH, no Content-Range, the body as long as it runs.</summary>
        public async Task SendStreamAsync(Stream body, CancellationToken ct)
        {
            // Sent once, never replayed: the POST that opened the session already answered any authentication challenge.
            using var content = new StreamContent(body, 1 << 20);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var request = new HttpRequestMessage(HttpMethod.Patch, _location) { Content = content };
            using var patch = await client.SendOnceAsync(request, ct);
            await EnsureAsync(patch, "upload the layer", ct);
            _location = client.Resolve(patch);
        }

        public async Task FinishAsync(string digest, CancellationToken ct)
        {
            var separator = _location.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            using var done = await client.SendAsync(() => new HttpRequestMessage(HttpMethod.Put, $"{_location}{separator}digest={digest}"), ct);
            await EnsureAsync(done, "finish an upload", ct);
        }
    }

    private string Resolve(HttpResponseMessage response)
    {
        var location = response.Headers.Location ?? throw new RegistryException("the registry sent no upload location");
        return location.IsAbsoluteUri ? location.ToString() : new Uri(new Uri($"{(plainHttp ? "http" : "https")}://{target.Registry}"), location).ToString();
    }

    private Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken ct)
    {
        Authorize(request);
        return http.SendAsync(request, ct);
    }

    // Sends a request; on 401 follows the registry's challenge once (Basic, or a Bearer token from its realm).
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, CancellationToken ct)
    {
        var request = make();
        Authorize(request);
        var response = await http.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.Unauthorized || response.Headers.WwwAuthenticate.Count == 0)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.First();
        response.Dispose();
        if (challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            _bearer = await FetchTokenAsync(challenge.Parameter ?? "", ct);
        }
        else if (credentials is null)
        {
            throw new RegistryException($"{target.Registry} asks for credentials; log in (docker login) so the docker config file has them");
        }

        var retry = make();
        Authorize(retry);
        return await http.SendAsync(retry, ct);
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (_bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _bearer);
        }
        else if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.BasicToken);
        }
    }

    private async Task<string> FetchTokenAsync(string parameters, CancellationToken ct)
    {
        // key="value" pairs; a scope's own commas ("pull,push") sit inside the quotes.
        var fields = System.Text.RegularExpressions.Regex.Matches(parameters, "(\\w+)=\"([^\"]*)\"")
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.OrdinalIgnoreCase);
        if (!fields.TryGetValue("realm", out var realm))
        {
            throw new RegistryException("the registry's token challenge has no realm");
        }

        var scope = fields.GetValueOrDefault("scope") ?? $"repository:{target.Repository}:pull,push";
        var url = $"{realm}?service={Uri.EscapeDataString(fields.GetValueOrDefault("service") ?? "")}&scope={Uri.EscapeDataString(scope)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (credentials is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials.BasicToken);
        }

        using var response = await http.SendAsync(request, ct);
        await EnsureAsync(response, "get a registry token", ct);
        var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct));
        return (string?)json?["token"] ?? (string?)json?["access_token"] ?? throw new RegistryException("the token service returned no token");
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(ct);
        throw new RegistryException($"could not {what}: {(int)response.StatusCode} {response.ReasonPhrase} {body.Trim()[..Math.Min(body.Trim().Length, 300)]}");
    }
}
