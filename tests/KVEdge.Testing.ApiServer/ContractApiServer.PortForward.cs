using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

namespace KVEdge.Testing.ApiServer;

/// <summary>KubeVirt's portforward subresource, to a TCP target on this machine that stands in for the guest's port.</summary>
public sealed partial class ContractApiServer
{
    private readonly ConcurrentDictionary<string, IPEndPoint> _guestPorts = new(StringComparer.Ordinal);

    /// <summary>What the guest's PORT of VMI ns/name is, here: a local listener (an sshd the test started, the e2e guest).</summary>
    public void MapGuestPort(string ns, string vmi, int port, IPEndPoint target) => _guestPorts[$"{ns}/{vmi}/{port}"] = target;

    /// <summary>How many portforward streams have been opened (each ssh connection is one).</summary>
    public int PortForwardStreams => _portForwardStreams;

    private int _portForwardStreams;

    // kubevirt/kubevirt pkg/virt-api/rest (PortForwardRequestHandler) and virt-handler's portforward: a GET upgraded to
    // a websocket with the plain.kubevirt.io subprotocol (raw bytes in binary messages, staging/src/kubevirt.io/
    // client-go/kubecli/websocket.go), for a VMI that exists and is Running (a VM's request goes to its VMI), to the port
    // in the path, tcp unless it says udp. virt-handler dials the port inside the guest's network; a port nothing
    // listens on ends the stream once it has been opened.
    private async Task PortForwardAsync(HttpContext context, string ns, string name, string? portText, string protocol)
    {
        if (context.Request.Method != "GET")
        {
            throw new ApiError(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"{context.Request.Method} is not supported on portforward");
        }

        if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ApiError(HttpStatusCode.BadRequest, "BadRequest", $"invalid port \"{portText}\"");
        }

        if (protocol is not ("tcp" or "udp"))
        {
            throw new ApiError(HttpStatusCode.BadRequest, "BadRequest", $"invalid protocol \"{protocol}\"");
        }

        var vmi = Store.Read(ResourceType.VirtualMachineInstance, ns, name) ?? throw ApiError.NotFound(ResourceType.VirtualMachineInstance, name);
        if (vmi["status"]?["phase"]?.GetValue<string>() != "Running")
        {
            throw new ApiError(HttpStatusCode.BadRequest, "BadRequest", "VMI is not running");
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            throw new ApiError(HttpStatusCode.BadRequest, "BadRequest", "the portforward subresource is a websocket; the request is not an upgrade");
        }

        var offered = context.WebSockets.WebSocketRequestedProtocols;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(offered.Contains("plain.kubevirt.io") ? "plain.kubevirt.io" : null);
        Interlocked.Increment(ref _portForwardStreams);
        if (protocol != "tcp" || !_guestPorts.TryGetValue($"{ns}/{name}/{port}", out var target))
        {
            await socket.CloseAsync(WebSocketCloseStatus.InternalServerError, $"dial tcp :{port}: connect: connection refused", CancellationToken.None);
            return;
        }

        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(target);
        }
        catch (SocketException ex)
        {
            await socket.CloseAsync(WebSocketCloseStatus.InternalServerError, ex.Message, CancellationToken.None);
            return;
        }

        var stream = tcp.GetStream();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var toGuest = Task.Run(async () =>
        {
            var buffer = new byte[32 * 1024];
            while (true)
            {
                var message = await socket.ReceiveAsync(buffer, done.Token);
                if (message.MessageType == WebSocketMessageType.Close)
                {
                    tcp.Client.Shutdown(SocketShutdown.Send);
                    return;
                }

                await stream.WriteAsync(buffer.AsMemory(0, message.Count), done.Token);
            }
        });
        var fromGuest = Task.Run(async () =>
        {
            var buffer = new byte[32 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, done.Token)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, true, done.Token);
            }
        });
        try
        {
            // The guest closing its end ends the stream, as virt-handler's copy does.
            await Task.WhenAny(fromGuest, toGuest);
            await fromGuest.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is IOException or WebSocketException or OperationCanceledException or TimeoutException or SocketException)
        {
        }

        try
        {
            if (socket.State == WebSocketState.Open || socket.State == WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is IOException or WebSocketException or OperationCanceledException)
        {
        }

        await done.CancelAsync();
    }
}
