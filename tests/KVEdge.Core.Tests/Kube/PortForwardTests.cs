using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using KVEdge.Core.Kube;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Core.Tests.Kube;

/// <summary>
/// KubeVirt v1.9's portforward subresource as the contract server serves it (virt-api dials the guest before the
/// upgrade; the stream ends with the TCP connection, no close frame; pings every second), and kvedge's client over it.
/// </summary>
public sealed class PortForwardTests : IAsyncLifetime, IDisposable
{
    private ContractCluster _cluster = null!;
    private KubernetesClusterClient _client = null!;
    private TcpListener _guest = null!;

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _client = _cluster.Client();
        _guest = new TcpListener(IPAddress.Loopback, 0);
        _guest.Start();
        Seed("edge-01", withInterface: true);
        Seed("edge-02", withInterface: false);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _cluster.DisposeAsync();
    }

    public void Dispose() => _guest.Dispose();

    private void Seed(string name, bool withInterface)
    {
        var status = new JsonObject { ["phase"] = "Running" };
        if (withInterface)
        {
            status["interfaces"] = new JsonArray(new JsonObject { ["name"] = "default", ["ipAddress"] = "10.244.1.17" });
        }

        _cluster.Server.Seed(new JsonObject
        {
            ["apiVersion"] = "kubevirt.io/v1",
            ["kind"] = "VirtualMachineInstance",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "factory-a" },
            ["spec"] = new JsonObject { ["domain"] = new JsonObject { ["devices"] = new JsonObject() } },
            ["status"] = status,
        }, "virt-controller");
    }

    [Fact]
    public async Task A_port_nothing_listens_on_is_refused_before_the_upgrade_with_a_500_that_kvedge_explains()
    {
        // virt-api dials first (streamer.go Handle: DialUnderlying, then the upgrade): no stream is ever opened.
        var refused = await Assert.ThrowsAsync<ClusterApiException>(() => _client.PortForwardAsync("factory-a", "edge-01", 22, CancellationToken.None));
        Assert.Equal(HttpStatusCode.InternalServerError, refused.Status);
        Assert.Contains("virt-api could not connect to factory-a/edge-01 port 22 (500): nothing listens there yet", refused.Message, StringComparison.Ordinal);
        Assert.Contains("NetworkPolicy", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, _cluster.Server.PortForwardStreams);

        var noInterface = await Assert.ThrowsAsync<ClusterApiException>(() => _client.PortForwardAsync("factory-a", "edge-02", 22, CancellationToken.None));
        Assert.Equal(HttpStatusCode.BadRequest, noInterface.Status);
        Assert.Contains("no network interface yet", noInterface.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_guests_end_closes_the_connection_without_a_close_frame_and_kvedge_calls_that_a_normal_end()
    {
        _cluster.Server.MapGuestPort("factory-a", "edge-01", 22, (IPEndPoint)_guest.LocalEndpoint);
        var guestSide = Task.Run(async () =>
        {
            using var connection = await _guest.AcceptTcpClientAsync();
            var stream = connection.GetStream();
            var buffer = new byte[5];
            var read = 0;
            while (read < 5)
            {
                read += await stream.ReadAsync(buffer.AsMemory(read));
            }

            // Answers after a few of virt-api's pings have gone by, then ends (sshd's EOF).
            await Task.Delay(TimeSpan.FromMilliseconds(2500));
            await stream.WriteAsync("pong:"u8.ToArray().Concat(buffer).ToArray());
        });

        using var socket = await _client.PortForwardAsync("factory-a", "edge-01", 22, CancellationToken.None);
        using var input = new BlockingInput("ping!"u8.ToArray());
        using var output = new MemoryStream();
        var error = await WebSocketPump.RunAsync(socket, input, output, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await guestSide;

        Assert.Null(error);
        Assert.Equal("pong:ping!", System.Text.Encoding.ASCII.GetString(output.ToArray()));
        // No close frame came: the socket was aborted under the client, as virt-api's cleanupOnClosedContext does.
        Assert.Null(socket.CloseStatus);
    }

    // Standard input that has sent its bytes and then stays open, as ssh's does while a session lasts.
    private sealed class BlockingInput(byte[] first) : Stream
    {
        private bool _sent;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_sent)
            {
                _sent = true;
                first.CopyTo(buffer);
                return first.Length;
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
