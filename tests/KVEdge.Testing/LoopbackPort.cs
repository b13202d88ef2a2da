using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace KVEdge.Testing;

/// <summary>Ports on 127.0.0.1 for the real servers tests start (sshd, swtpm, the operator), and waiting for them to listen.</summary>
public static class LoopbackPort
{
    /// <summary>A port nothing listens on now (the kernel's pick; another process may take it before the caller does).</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>A free port whose next one is free too (swtpm's control channel, which tss2-tcti-swtpm expects at port + 1).</summary>
    public static int FreePair()
    {
        while (true)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            if (port >= IPEndPoint.MaxPort)
            {
                continue;
            }

            try
            {
                using var next = new TcpListener(IPAddress.Loopback, port + 1);
                next.Start();
                return port;
            }
            catch (SocketException)
            {
                // the next port is taken: another pair
            }
        }
    }

    /// <summary>Waits until <paramref name="port"/> accepts a connection, failing at once when <paramref name="process"/> exits first.</summary>
    public static void WaitForListener(int port, Process process, string name, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited ({process.ExitCode}): {process.StandardError.ReadToEnd()}");
            }

            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }

        throw new TimeoutException($"{name} did not listen within {seconds} s");
    }
}
