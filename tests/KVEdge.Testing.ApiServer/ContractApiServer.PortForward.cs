using System.Text.Json.Nodes;
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

    // KubeVirt v1.9's portforward (kubevirt/kubevirt pkg/virt-api/rest/portforward.go, streamer.go, dialers.go): a GET
    // upgraded to a websocket with the plain.kubevirt.io subprotocol (raw bytes in binary messages, staging/src/
    // kubevirt.io/client-go/kubecli/websocket.go), for a VMI that exists and is Running (a VM's request goes to its VMI).
    // virt-api itself dials the VMI's first interface address and the port in the path BEFORE it upgrades
    // (Streamer.Handle: DialUnderlying, then clientConnectionUpgrade): no interface is 400 "no network interfaces are
    // present"; a refused or unreachable port is 500 InternalError "dialing VM: ..." (a guest whose sshd is not up yet,
    // or a NetworkPolicy between virt-api and the VM's pod). Once streaming, virt-api pings the client every second
    // (keepAliveClientStream, a one-minute read deadline), and the first side to end (the guest's EOF, a client's close
    // frame, an error) cancels both copies and closes both connections: the client sees its TCP connection end, with no
    // close frame.
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

        if (vmi["status"]?["interfaces"] is not JsonArray { Count: > 0 } interfaces)
        {
            throw new ApiError(HttpStatusCode.BadRequest, "BadRequest", "no network interfaces are present");
        }

        var address = $"{interfaces[0]?["ipAddress"]?.GetValue<string>()}:{port}";
        var tcp = new TcpClient();
        try
        {
            if (protocol != "tcp" || !_guestPorts.TryGetValue($"{ns}/{name}/{port}", out var target))
            {
                throw new SocketException((int)SocketError.ConnectionRefused);
            }

            await tcp.ConnectAsync(target);
        }
        catch (SocketException)
        {
            tcp.Dispose();
            throw new ApiError(HttpStatusCode.InternalServerError, "InternalError", $"Internal error occurred: dialing VM: dial {protocol} {address}: connect: connection refused");
        }

        using (tcp)
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                throw new ApiError(HttpStatusCode.BadRequest, "BadRequest", "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header");
            }

            var offered = context.WebSockets.WebSocketRequestedProtocols;
            var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                SubProtocol = offered.Contains("plain.kubevirt.io") ? "plain.kubevirt.io" : null,
                KeepAliveInterval = PortForwardPing,
                KeepAliveTimeout = TimeSpan.FromMinutes(1),
            });
            Interlocked.Increment(ref _portForwardStreams);
            await StreamAsync(context, socket, tcp);
        }
    }

    /// <summary>How often the stream pings its client (virt-api's keepAliveClientStream: every second).</summary>
    public TimeSpan PortForwardPing { get; set; } = TimeSpan.FromSeconds(1);

    private static async Task StreamAsync(HttpContext context, WebSocket socket, TcpClient tcp)
    {
        var stream = tcp.GetStream();
        var done = context.RequestAborted;
        var toGuest = Task.Run(async () =>
        {
            var buffer = new byte[32 * 1024];
            while (true)
            {
                var message = await socket.ReceiveAsync(buffer, done);
                if (message.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                await stream.WriteAsync(buffer.AsMemory(0, message.Count), done);
            }
        });
        var fromGuest = Task.Run(async () =>
        {
            var buffer = new byte[32 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, done)) > 0)
            {
                await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, true, done);
            }
        });
        try
        {
            // The first to end ends both (Streamer.Handle cancels on the first result).
            await Task.WhenAny(fromGuest, toGuest);
        }
        catch (Exception ex) when (ex is IOException or WebSocketException or OperationCanceledException or SocketException)
        {
        }

        // cleanupOnClosedContext: both connections closed, and no close frame to the client. The handler returns and
        // Kestrel ends the upgraded connection after what was sent has gone out (cancelling the pending receive would
        // abort the websocket and drop it); the receive then fails with the connection, and the socket goes with it.
        tcp.Close();
        _ = toGuest.ContinueWith(t =>
        {
            _ = t.Exception;
            socket.Dispose();
        }, TaskScheduler.Default);
        _ = fromGuest.ContinueWith(t => t.Exception, TaskScheduler.Default);
    }
}
