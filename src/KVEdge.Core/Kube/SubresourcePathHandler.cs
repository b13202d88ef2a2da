namespace KVEdge.Core.Kube;

/// <summary>
/// KubernetesClient escapes the name segment of a custom-object URL, so "NAME/restart" would travel as "NAME%2Frestart";
/// KubeVirt's subresources (subresources.kubevirt.io) need the literal path. This puts the "/" back for that group only.
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

        return base.SendAsync(request, cancellationToken);
    }
}
