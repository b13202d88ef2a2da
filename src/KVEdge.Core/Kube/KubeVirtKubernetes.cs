using System.Net.WebSockets;
using k8s;

namespace KVEdge.Core.Kube;

/// <summary>
/// KubernetesClient's client with KubeVirt's streaming subresources: the websocket is opened by KubernetesClient's own
/// <c>StreamConnectAsync</c> (its TLS trust, client certificates and credentials), on a path it has no method for.
/// </summary>
internal sealed class KubeVirtKubernetes(KubernetesClientConfiguration config, params DelegatingHandler[] handlers) : k8s.Kubernetes(config, handlers)
{
    /// <summary>
    /// KubeVirt's subprotocol for its streams: raw bytes in binary messages, one stream per connection, no channel byte
    /// (kubevirt/kubevirt staging/src/kubevirt.io/client-go/subresources, PlainStreamProtocolName; used by
    /// kubecli's AsyncSubresourceHelper for vnc, console and portforward).
    /// </summary>
    public const string PlainStreamProtocol = "plain.kubevirt.io";

    /// <summary>
    /// GET /apis/subresources.kubevirt.io/v1/namespaces/NS/virtualmachineinstances/NAME/portforward/PORT/tcp as a
    /// websocket, what `virtctl port-forward` opens (kubevirt/kubevirt pkg/virtctl/portforward, kubecli
    /// buildPortForwardResourcePath).
    /// </summary>
    public Task<WebSocket> PortForwardAsync(string ns, string vmi, int port, CancellationToken ct)
    {
        var builder = new UriBuilder(BaseUri);
        builder.Scheme = BaseUri.Scheme == "https" ? "wss" : "ws";
        builder.Path = builder.Path.TrimEnd('/')
            + $"/apis/subresources.kubevirt.io/v1/namespaces/{Uri.EscapeDataString(ns)}/virtualmachineinstances/{Uri.EscapeDataString(vmi)}/portforward/{port}/tcp";
        return StreamConnectAsync(builder.Uri, PlainStreamProtocol, null, ct);
    }
}
