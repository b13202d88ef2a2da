namespace KVEdge.Core.Cluster;

/// <summary>
/// Two fixes to the URLs KubernetesClient's CustomObjects builds. It escapes the name segment, so "NAME/restart" would
/// travel as "NAME%2Frestart"; KubeVirt's subresources (subresources.kubevirt.io) need the literal path, so the "/" is
/// put back for that group only. And with the core group ("") it builds "/apis//v1/..."; that becomes "/api/v1/...",
/// as KubernetesClient's own GenericClient does, so core lists arrive as raw JSON instead of typed models.
/// </summary>
internal sealed class SubresourcePathHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri && uri.AbsolutePath.Contains("/apis/subresources.kubevirt.io/", StringComparison.Ordinal)
            && uri.AbsoluteUri.Contains("%2F", StringComparison.OrdinalIgnoreCase))
        {
            request.RequestUri = new Uri(uri.AbsoluteUri.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase));
        }

        if (request.RequestUri is { } core && core.AbsolutePath.StartsWith("/apis//", StringComparison.Ordinal))
        {
            var builder = new UriBuilder(core) { Path = "/api/" + core.AbsolutePath["/apis//".Length..] };
            request.RequestUri = builder.Uri;
        }

        return base.SendAsync(request, cancellationToken);
    }
}
