using System.Net.WebSockets;

namespace KVEdge.Core.Kube;

/// <summary>
/// Carries one byte stream over a KubeVirt plain.kubevirt.io websocket (binary messages, no channel byte), both ways at
/// once: what <c>virtctl port-forward --stdio</c> does for OpenSSH's ProxyCommand (kubevirt/kubevirt
/// pkg/virtctl/portforward/portforward.go, and staging/src/kubevirt.io/client-go/kubecli/websocket.go for the framing).
/// </summary>
public static class WebSocketPump
{
    private const int BufferSize = 32 * 1024;

    /// <summary>
    /// Copies <paramref name="input"/> to the socket and the socket to <paramref name="output"/> until the far side
    /// closes. The end of <paramref name="input"/> sends our close (virt-api then ends the whole stream: there is no
    /// half-close through KubeVirt); the guest closing its end ends the whole stream, with a close frame or (virt-api's
    /// way) without one. A close with an error status is returned as a message.
    /// </summary>
    public static async Task<string?> RunAsync(WebSocket socket, Stream input, Stream output, CancellationToken ct)
    {
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fromGuest = Task.Run(() => ReceiveAsync(socket, output, done.Token), done.Token);
        var toGuest = Task.Run(() => SendAsync(socket, input, done.Token), done.Token);
        string? error;
        try
        {
            error = await fromGuest.ConfigureAwait(false);
        }
        finally
        {
            // The guest's end has gone: nothing more it could read, so stop reading our input (it may never end).
            await done.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            // A read of a process's standard input does not always heed cancellation (a pipe's read blocks): it is given a
            // moment, then left behind rather than waited for.
            await toGuest.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException or TimeoutException)
        {
        }

        ct.ThrowIfCancellationRequested();
        return error;
    }

    private static async Task<string?> ReceiveAsync(WebSocket socket, Stream output, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                var message = await socket.ReceiveAsync(buffer, ct).ConfigureAwait(false);
                if (message.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None).ConfigureAwait(false);
                    }

                    return socket.CloseStatus is null or WebSocketCloseStatus.NormalClosure or WebSocketCloseStatus.EndpointUnavailable
                        ? null
                        : $"the stream was closed: {socket.CloseStatusDescription ?? socket.CloseStatus.ToString()}";
                }

                await output.WriteAsync(buffer.AsMemory(0, message.Count), ct).ConfigureAwait(false);
                if (message.EndOfMessage)
                {
                    await output.FlushAsync(ct).ConfigureAwait(false);
                }
            }
        }
        catch (WebSocketException ex) when (ex.WebSocketErrorCode == WebSocketError.ConnectionClosedPrematurely)
        {

            // How every KubeVirt stream ends: the first side to finish (the guest's EOF, our close) makes virt-api
            // close both connections, with no close frame (kubevirt/kubevirt v1.9 pkg/virt-api/rest/streamer.go,
            // cleanupOnClosedContext). What the guest sent has all arrived by then.
            return null;
        }
    }

    private static async Task SendAsync(WebSocket socket, Stream input, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        int read;
        while ((read = await input.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await socket.SendAsync(buffer.AsMemory(0, read), WebSocketMessageType.Binary, true, ct).ConfigureAwait(false);
        }

        // Our side is done (ssh closed its end): say so; the guest's answer still comes back until it closes.
        if (socket.State == WebSocketState.Open)
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", ct).ConfigureAwait(false);
        }
    }
}
