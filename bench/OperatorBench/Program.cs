using System.Diagnostics;
using System.Globalization;
using System.Text;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

// bench/operator-start.sh's driver. Usage: OperatorBench N KVEDGE FLEET_YAML [CHANGES]
// Against the contract server answering every request after a fixed 10 ms (a cluster a few network hops away), with N
// EdgeDevices (the fleet of bench/make-fleet.sh as custom resources):
//   1. `kvedge operator` started over them once and stopped (it converges them: objects applied, status written);
//   2. `kvedge operator` started again over the converged fleet: the time until every device has been reconciled once
//      (its own log line), the requests by kind it sent meanwhile, its writes, its peak memory (VmHWM);
//   3. with it running, CHANGES (default 100) single-CR spec changes, one at a time: the time from the change's commit
//      (its watch event) to the operator's PATCH of that device's VM;
//   4. beside it, `kvedge install -f` of the same fleet on a fresh server, first and then unchanged (the CLI's way).
// Prints markdown rows for bench/README.md.
var n = int.Parse(args[0], CultureInfo.InvariantCulture);
var kvedge = args[1];
var fleetYaml = args[2];
var changes = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 100;
var workers = args.Length > 4 ? args[4] : "4"; // the operator's default and the chart's
var latency = TimeSpan.FromMilliseconds(10);
string[] extraNamespaces = [.. Enumerable.Range(0, 10).Select(i => $"site-{i}"), "golden"];
var crd = YamlToJson.ParseAll(File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "crds", "edgedevices.kvedge.io.yaml")))[0];
var devices = YamlToJson.ParseAll(File.ReadAllText(fleetYaml));
var edgeDevices = new ResourceType("kvedge.io", "v1alpha1", "edgedevices", "EdgeDevice", true, true);

async Task<ContractCluster> Server(bool withDevices)
{
    var cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
    foreach (var ns in extraNamespaces)
    {
        cluster.Server.Seed(ContractCluster.Parse($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"},"status":{"phase":"Active"}}"""));
    }

    // The operator's ClusterRole (it watches every namespace).
    cluster.Server.ClusterScope = true;
    if (withDevices)
    {
        cluster.Server.InstallCrd(crd);
        foreach (var device in devices)
        {
            cluster.Server.Seed(device.DeepClone().AsObject(), "kubectl");
        }
    }

    cluster.Server.Faults.When(_ => true, new Fault.Latency(latency), times: int.MaxValue);
    return cluster;
}

(Process Process, StringBuilder Log) StartOperator(ContractCluster cluster, int metricsPort = 0)
{
    var psi = new ProcessStartInfo(kvedge) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var a in new[] { "operator", "--kubeconfig", cluster.Kubeconfig, "--health-probe-bind-address", "0", "--metrics-bind-address",
        metricsPort == 0 ? "0" : $"127.0.0.1:{metricsPort}", "--workers", workers })
    {
        psi.ArgumentList.Add(a);
    }

    var process = Process.Start(psi)!;
    var log = new StringBuilder();
    process.ErrorDataReceived += (_, e) =>
    {
        if (e.Data is not null)
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
        }
    };
    process.BeginErrorReadLine();
    _ = process.StandardOutput.ReadToEndAsync();
    return (process, log);
}

static int FreePort()
{
    using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    socket.Start();
    return ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
}

static double Sample(string metrics, string name) =>
    double.Parse(metrics.Split('\n').First(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], CultureInfo.InvariantCulture);

async Task<TimeSpan> UntilLogAsync(StringBuilder log, string text, TimeSpan within)
{
    var clock = Stopwatch.StartNew();
    while (true)
    {
        lock (log)
        {
            if (log.ToString().Contains(text, StringComparison.Ordinal))
            {
                return clock.Elapsed;
            }
        }

        if (clock.Elapsed > within)
        {
            lock (log)
            {
                Console.Error.WriteLine(log.ToString()[^Math.Min(4000, log.Length)..]);
            }

            throw new TimeoutException($"no \"{text}\" within {within}");
        }

        await Task.Delay(10);
    }
}

static long PeakKiB(int pid)
{
    foreach (var line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        }
    }

    return 0;
}

async Task StopAsync(Process process)
{
    using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!)
    {
        await term.WaitForExitAsync();
    }

    await process.WaitForExitAsync();
}

// "list edgedevices", "watch virtualmachines", "patch virtualmachines", "patch edgedevices/status".
static string Kind(RecordedRequest r)
{
    var s = r.Path.Trim('/').Split('/');
    var rest = s[0] == "api" ? s[2..] : s.Length > 3 ? s[3..] : [];
    if (rest.Length >= 3 && rest[0] == "namespaces")
    {
        rest = rest[2..];
    }

    var resource = rest.Length > 0 ? rest[0] : "?";
    if (rest.Length > 2)
    {
        resource += "/" + rest[2];
    }

    var verb = r.Method == "GET" ? (r.IsWatch ? "watch" : rest.Length > 1 ? "get" : "list") : r.Method.ToLowerInvariant();
    return $"{verb} {resource}";
}

var date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
Console.Error.WriteLine($"{n} EdgeDevices, {latency.TotalMilliseconds} ms per request");

TimeSpan start;
int writes, total;
long peak;
string byKind;
double managedAfterStart, residentAfterStart;
var latencies = new List<double>();
await using (var cluster = await Server(withDevices: true))
{
    Console.Error.WriteLine("kvedge operator, first start (converges the fleet) ...");
    var (first, firstLog) = StartOperator(cluster);
    await UntilLogAsync(firstLog, "initial reconcile done", TimeSpan.FromMinutes(20));
    // Its own writes come back as watch events and are looked at again; give them time to settle.
    await Task.Delay(TimeSpan.FromSeconds(20));
    await StopAsync(first);

    Console.Error.WriteLine("kvedge operator, start over the converged fleet ...");
    cluster.Server.ResetRequests();
    var metricsPort = FreePort();
    var (second, log) = StartOperator(cluster, metricsPort);
    start = await UntilLogAsync(log, "initial reconcile done", TimeSpan.FromMinutes(20));
    // Its own word on its memory right after: what the collector holds live, against what the process has resident.
    var metrics = await new HttpClient().GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
    managedAfterStart = Sample(metrics, "dotnet_gc_heap_size_bytes");
    Console.Error.WriteLine(string.Join('\n', metrics.Split('\n').Where(l => l.StartsWith("dotnet_", StringComparison.Ordinal) || l.StartsWith("process_", StringComparison.Ordinal))));
    residentAfterStart = Sample(metrics, "process_resident_memory_bytes");
    var requests = cluster.Server.Requests;
    writes = requests.Count(r => r.IsWrite);
    total = requests.Count;
    byKind = string.Join(", ", requests.GroupBy(Kind).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));
    peak = PeakKiB(second.Id);

    Console.Error.WriteLine($"{changes} single-device changes ...");
    var random = new Random(29);
    for (var i = 0; i < changes; i++)
    {
        var device = devices[random.Next(devices.Count)];
        var ns = device["metadata"]!["namespace"]?.GetValue<string>() ?? "default";
        var name = device["metadata"]!["name"]!.GetValue<string>();
        var live = cluster.Server.Store.Read(edgeDevices, ns, name)!;
        var memory = live["spec"]!["memory"]?.GetValue<string>() == "5Gi" ? "4Gi" : "5Gi";
        live["spec"]!["memory"] = memory;
        var before = cluster.Server.Requests.Count;
        cluster.Server.Seed(live, "kubectl");
        var committed = DateTime.UtcNow;
        var vmPath = $"/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachines/{name}";
        var deadline = Stopwatch.StartNew();
        RecordedRequest? patch = null;
        while (patch is null && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            patch = cluster.Server.Requests.Skip(before).FirstOrDefault(r => r.Method == "PATCH" && r.Path == vmPath);
            if (patch is null)
            {
                await Task.Delay(1);
            }
        }

        latencies.Add(patch is null ? double.NaN : (patch.At - committed).TotalMilliseconds);
        // Let the reconcile finish (its status write) before the next change.
        await Task.Delay(200);
    }

    peak = Math.Max(peak, PeakKiB(second.Id));
    await StopAsync(second);
}

// The CLI's way: kvedge install of the same fleet, first, then unchanged.
TimeSpan installFirst, installAgain;
int installRequests, installWrites;
long installPeak = 0;
await using (var cluster = await Server(withDevices: false))
{
    (TimeSpan Wall, int Requests, int Writes) Install()
    {
        cluster.Server.ResetRequests();
        // Under GNU time, for its peak memory (its last line: "%M" KiB).
        var psi = new ProcessStartInfo("/usr/bin/time") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-f", "%M", kvedge, "install", "-f", fleetYaml, "--kubeconfig", cluster.Kubeconfig })
        {
            psi.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        var err = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            Console.Error.WriteLine(err.Result[^Math.Min(2000, err.Result.Length)..]);
            Environment.Exit(1);
        }

        installPeak = long.Parse(err.Result.Trim().Split('\n')[^1], CultureInfo.InvariantCulture);
        return (clock.Elapsed, cluster.Server.Requests.Count, cluster.Server.Requests.Count(r => r.IsWrite));
    }

    Console.Error.WriteLine("kvedge install (first) ...");
    installFirst = Install().Wall;
    Console.Error.WriteLine("kvedge install (unchanged) ...");
    (installAgain, installRequests, installWrites) = Install();
}

static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

latencies.Sort();
double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
Console.WriteLine("| date | fleet | operator start over the converged fleet | its requests (writes) | its peak RSS | kvedge install, unchanged | its requests (writes) | its peak RSS | install / operator |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
Console.WriteLine($"| {date} | {n} EdgeDevices | {Seconds(start)} | {total} ({writes}) | {peak / 1024} MiB | {Seconds(installAgain)} | {installRequests} ({installWrites}) | {installPeak / 1024} MiB | {(installAgain.TotalSeconds / start.TotalSeconds).ToString("0.00", CultureInfo.InvariantCulture)}× |");
Console.WriteLine();
Console.WriteLine($"Requests of the operator's start, by kind: {byKind}. kvedge install's first install of the fleet took {Seconds(installFirst)}.");
Console.WriteLine();
Console.WriteLine($"Right after its start, by its own /metrics: {managedAfterStart / (1 << 20):F0} MiB of managed heap after the last collection (dotnet_gc_heap_size_bytes), {residentAfterStart / (1 << 20):F0} MiB resident (process_resident_memory_bytes).");
Console.WriteLine();
Console.WriteLine("| date | changes | watch event to the VM's PATCH: p50 | p90 | p99 | max |");
Console.WriteLine("|---|---|---|---|---|---|");
static string Ms(double v) => v.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
Console.WriteLine($"| {date} | {latencies.Count} single-CR spec changes, one at a time | {Ms(Percentile(0.5))} | {Ms(Percentile(0.9))} | {Ms(Percentile(0.99))} | {Ms(latencies.Count == 0 ? double.NaN : latencies[^1])} |");
