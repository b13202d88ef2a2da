using System.CommandLine;
using System.Net;
using System.Text;
using KVEdge.Cli.Console;
using KVEdge.Core.Controllers;
using KVEdge.Core.Kube;

namespace KVEdge.Cli.Commands;

/// <summary>
/// <c>kvedge operator</c>: the EdgeDevice controller, until stopped (SIGTERM, Ctrl-C). Flags after controller-runtime's
/// manager (--leader-elect, --metrics-bind-address, --health-probe-bind-address). Its log goes to stderr, a line per
/// event; /healthz, /readyz and /metrics are served over HTTP. With --leader-elect only the holder of the Lease
/// reconciles; a replica that loses it exits 1, to be restarted as a follower (controller-runtime does the same).
/// </summary>
internal sealed class OperatorCommand(ICliConsole console, ClusterClientFactory factory) : CliCommand(console)
{
    private readonly ClusterOptions _cluster = new(console, factory);
    private readonly Option<string?> _watchNamespace = new Option<string?>("--watch-namespace") { Description = "Watch one namespace only (a Role there suffices); every namespace when omitted." }.ValidatedAsNamespace();
    private readonly Option<int> _workers = new("--workers") { Description = "Devices reconciled at once.", DefaultValueFactory = _ => 4 };
    private readonly Option<string> _resync = new("--resync") { Description = "Look at every device again this often even with no change (a Go duration).", DefaultValueFactory = _ => "10m" };
    private readonly Option<bool> _leaderElect = new("--leader-elect") { Description = "Run as one of several replicas: only the holder of the Lease reconciles." };
    private readonly Option<string?> _leaseNamespace = new Option<string?>("--leader-election-namespace") { Description = "The Lease's namespace (default: the pod's, else the kubeconfig context's)." }.ValidatedAsNamespace();
    private readonly Option<string> _leaseName = new("--leader-election-id") { Description = "The Lease's name.", DefaultValueFactory = _ => "kvedge-operator" };
    private readonly Option<string> _leaseDuration = new("--leader-election-lease-duration") { Description = "How long a silent leader keeps the Lease (a Go duration).", DefaultValueFactory = _ => "15s" };
    private readonly Option<string> _renewDeadline = new("--leader-election-renew-deadline") { Description = "How long a leader may fail to renew before it stops (a Go duration).", DefaultValueFactory = _ => "10s" };
    private readonly Option<string> _retryPeriod = new("--leader-election-retry-period") { Description = "How often candidates try and the leader renews (a Go duration).", DefaultValueFactory = _ => "2s" };
    private readonly Option<string> _probeAddress = new("--health-probe-bind-address") { Description = "Where /healthz and /readyz are served (HOST:PORT; 0 turns them off).", DefaultValueFactory = _ => ":8081" };
    private readonly Option<string> _metricsAddress = new("--metrics-bind-address") { Description = "Where /metrics is served (HOST:PORT; 0 turns it off).", DefaultValueFactory = _ => ":8080" };

    public static Command Create(ICliConsole console, ClusterClientFactory factory) => new OperatorCommand(console, factory).Build();

    protected override Command Define()
    {
        var command = new Command("operator", "Run the EdgeDevice operator: reconcile every EdgeDevice custom resource until stopped.");
        command.AddOptions([_cluster.Kubeconfig, _cluster.Context, _watchNamespace, _workers, _resync, _leaderElect, _leaseNamespace, _leaseName,
            _leaseDuration, _renewDeadline, _retryPeriod, _probeAddress, _metricsAddress]);
        return command;
    }

    protected override async Task<int> ExecuteAsync(ParseResult result, HumanOutput human, CancellationToken ct)
    {
        var durations = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var option in new[] { _resync, _leaseDuration, _renewDeadline, _retryPeriod })
        {
            if (!GoDuration.TryParse(result.GetValue(option)!, out var value) || value <= TimeSpan.Zero)
            {
                throw new CliInputException($"{option.Name}: {DisplayTextOf(result.GetValue(option)!)} is not a duration such as 30s or 10m");
            }

            durations[option.Name] = value;
        }

        if (result.GetValue(_workers) is < 1 or > 256)
        {
            throw new CliInputException("--workers: must be between 1 and 256");
        }

        var probe = Listener(result.GetValue(_probeAddress)!, _probeAddress.Name);
        var metrics = Listener(result.GetValue(_metricsAddress)!, _metricsAddress.Name);
        var config = _cluster.ResolveConfig(result);
        return await _cluster.ConnectedAsync(config, async client =>
        {
            var controller = new EdgeDeviceController(client, new ControllerOptions(result.GetValue(_watchNamespace))
            {
                Workers = result.GetValue(_workers),
                Resync = durations[_resync.Name],
            })
            {
                Instance = Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName,
            };
            controller.Log += line => Log(human, line);
            LeaseElector? elector = null;
            if (result.GetValue(_leaderElect))
            {
                var leaseNamespace = result.GetValue(_leaseNamespace) ?? Environment.GetEnvironmentVariable("POD_NAMESPACE") ?? config.Namespace ?? "default";
                elector = new LeaseElector(client, leaseNamespace, result.GetValue(_leaseName)!, $"{controller.Instance}_{Guid.NewGuid():N}")
                {
                    LeaseDuration = durations[_leaseDuration.Name],
                    RenewDeadline = durations[_renewDeadline.Name],
                    RetryPeriod = durations[_retryPeriod.Name],
                };
            }

            using var serving = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var servers = new List<Task>();
            if (probe is not null)
            {
                servers.Add(ServeAsync(probe, path => path switch
                {
                    "/healthz" => (200, "ok\n", "text/plain"),
                    // Ready once the caches are synced (a follower's are too: it keeps them warm for a handover).
                    "/readyz" => controller.HasSynced ? (200, "ok\n", "text/plain") : (503, "caches not synced\n", "text/plain"),
                    _ => (404, "not found\n", "text/plain"),
                }, serving.Token));
            }

            if (metrics is not null)
            {
                servers.Add(ServeAsync(metrics, path => path == "/metrics"
                    ? (200, ControllerMetrics.Render(controller, elector?.IsLeader, result.GetValue(_leaseName)!), ControllerMetrics.ContentType)
                    : (404, "not found\n", "text/plain"), serving.Token));
            }

            Log(human, $"starting: watching {(result.GetValue(_watchNamespace) is { } only ? $"namespace {only}" : "every namespace")}"
                + (elector is null ? "" : $"; leader election on Lease {result.GetValue(_leaseName)} as {elector.Identity}"));
            var lost = false;
            try
            {
                if (elector is null)
                {
                    await controller.RunAsync(ct).ConfigureAwait(false);
                }
                else
                {
                    lost = await elector.RunAsync(async leading =>
                    {
                        Log(human, "leading: this replica reconciles");
                        await controller.RunAsync(leading).ConfigureAwait(false);
                    }, ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            finally
            {
                await serving.CancelAsync().ConfigureAwait(false);
                probe?.Close();
                metrics?.Close();
                await Task.WhenAll(servers.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
            }

            if (lost)
            {
                human.Failure("leader election lost: stopping, so that one replica reconciles at a time");
                return ExitCodes.Failure;
            }

            Log(human, "stopped");
            return ExitCodes.Success;
        }).ConfigureAwait(false);
    }

    private static string DisplayTextOf(string value) => KVEdge.Core.Diagnostics.DisplayText.Value(value);

    private void Log(HumanOutput human, string line)
    {
        lock (this)
        {
            human.Line($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {line}");
        }
    }

    // HOST:PORT (":8080" is every address), or "0" for none, as controller-runtime reads its bind addresses.
    private static HttpListener? Listener(string address, string flag)
    {
        if (address == "0")
        {
            return null;
        }

        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address[(colon + 1)..], out var port) || port is < 1 or > 65535)
        {
            throw new CliInputException($"{flag}: {KVEdge.Core.Diagnostics.DisplayText.Value(address)} is not HOST:PORT (or 0 to turn it off)");
        }

        var host = address[..colon] is { Length: > 0 } h ? h : "+";
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://{host}:{port}/");
        try
        {
            listener.Start();
        }
        catch (HttpListenerException ex)
        {
            throw new CliInputException($"{flag}: cannot listen on {address}: {ex.Message}");
        }

        return listener;
    }

    private static async Task ServeAsync(HttpListener listener, Func<string, (int Code, string Body, string Type)> answer, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().WaitAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var (code, body, type) = answer(context.Request.Url?.AbsolutePath ?? "/");
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = code;
            context.Response.ContentType = type;
            context.Response.ContentLength64 = bytes.Length;
            try
            {
                await context.Response.OutputStream.WriteAsync(bytes, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or OperationCanceledException)
            {
            }
            finally
            {
                context.Response.Close();
            }
        }
    }
}
