using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;
using KVEdge.Core.Kube;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge port-forward NAME [LOCAL:]PORT</c>: a port of the device's guest through the API server (KubeVirt's VMI
/// portforward subresource), as <c>virtctl port-forward</c>: on a local port (kubectl port-forward's form, one stream per
/// connection), or on standard input and output with --stdio, which is what OpenSSH's ProxyCommand needs (kvedge ssh).
/// </summary>
internal sealed class PortForwardCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Argument<string> _name = new Argument<string>("NAME") { Description = "The device." }.ValidatedAsDeviceName();
    private readonly Argument<string> _ports = new("[LOCAL:]PORT") { Description = "The guest's port: PORT (the same port locally), LOCAL:PORT, or :PORT (any free local port)." };
    private readonly Option<bool> _stdio = new("--stdio") { Description = "Forward standard input and output (one stream) instead of listening; for ssh's ProxyCommand." };
    private readonly Option<string> _address = new("--address") { Description = "The local address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };

    public static Command Create(ICliConsole console, ClusterClientFactory factory) => new PortForwardCommand(console, factory).Build();

    protected override Command Define()
    {
        var command = new Command("port-forward", "Forward a port of a device's guest through the API server (local port, or --stdio).") { _name, _ports };
        command.AddOptions(_cluster.All);
        command.AddOptions([_stdio, _address]);
        return command;
    }

    protected override Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var (local, remote) = ParsePorts(result.GetValue(_ports)!);
        if (!IPAddress.TryParse(result.GetValue(_address), out var address))
        {
            throw new CliInputException($"--address {Core.Diagnostics.DisplayText.Quote(result.GetValue(_address)!)}: not an IP address");
        }

        var device = result.GetValue(_name)!;
        return _cluster.RunAsync(result, async (client, ns) =>
        {
            if (result.GetValue(_stdio))
            {
                using var socket = await client.PortForwardAsync(ns, device, remote, ct).ConfigureAwait(false);
                var error = await WebSocketPump.RunAsync(socket, Console.OpenStandardInput(), Console.OpenStandardOutput(), ct).ConfigureAwait(false);
                if (error is not null)
                {
                    human.Failure($"{ns}/{device}:{remote}: {error}");
                    return ExitCodes.Failure;
                }

                return ExitCodes.Success;
            }

            // The device is asked for before anything listens: a port that accepts and then drops every connection
            // hides why (not found, stopped, still booting).
            if (await RunningInstance.CheckAsync(client, ns, device, ct).ConfigureAwait(false) is { } failure)
            {
                human.Failure(failure.Message);
                return ExitCodes.For(failure.Kind);
            }

            if (!IPAddress.IsLoopback(address))
            {
                human.Warning($"--address {address} is not a loopback address: anyone who can reach this machine can reach {ns}/{device}:{remote} through it, with your cluster credentials");
            }

            var listener = new TcpListener(address, local);
            listener.Start();
            try
            {
                var bound = ((IPEndPoint)listener.LocalEndpoint).Port;
                human.Line($"Forwarding from {address}:{bound} -> {remote}");
                while (true)
                {
                    var connection = await listener.AcceptTcpClientAsync(ct).ConfigureAwait(false);
                    _ = ForwardAsync(client, ns, device, remote, connection, human, ct);
                }
            }
            finally
            {
                listener.Stop();
            }
        });
    }

    // One connection, one stream: its failure is said and ends only that connection, as kubectl port-forward's do.
    private static async Task ForwardAsync(IClusterClient client, string ns, string device, int remote, TcpClient connection, HumanOutput human, CancellationToken ct)
    {
        using (connection)
        {
            try
            {
                using var socket = await client.PortForwardAsync(ns, device, remote, ct).ConfigureAwait(false);
                var stream = connection.GetStream();
                if (await WebSocketPump.RunAsync(socket, stream, stream, ct).ConfigureAwait(false) is { } error)
                {
                    human.Warning($"{ns}/{device}:{remote}: {error}");
                }
            }
            catch (Exception ex) when (ex is ClusterApiException or ClusterUnavailableException or IOException or SocketException)
            {
                human.Warning($"{ns}/{device}:{remote}: {ex.Message}");
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    // As kubectl port-forward reads them: PORT (the same port locally), LOCAL:PORT, or :PORT (any free local port).
    private static (int Local, int Remote) ParsePorts(string text)
    {
        var parts = text.Split(':');
        var local = 0;
        if (parts.Length is < 1 or > 2 || !TryPort(parts[^1], 1, out var remote) || (parts.Length == 2 && parts[0].Length > 0 && !TryPort(parts[0], 0, out local)))
        {
            throw new CliInputException($"port {Core.Diagnostics.DisplayText.Quote(text)}: want PORT, LOCAL:PORT or :PORT, ports 1 to 65535");
        }

        return (parts.Length == 1 ? remote : local, remote);
    }

    private static bool TryPort(string text, int min, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port >= min && port <= 65535;
}
