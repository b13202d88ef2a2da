using System.Diagnostics;
using System.Globalization;
using KVEdge.Testing.ApiServer;

// bench/fleet-install.sh's driver. Usage: FleetBench N KVEDGE KUBECTL FLEET_YAML RENDERED_YAML [WAIT_DEVICES]
// Runs, each against a fresh contract server answering every request after a fixed 10 ms (a cluster a few network
// hops away): kubectl apply --server-side of kvedge template's output, first and unchanged; kvedge install of the same
// fleet, first and unchanged; then kvedge install --wait of WAIT_DEVICES devices whose simulated imports and boots take
// different times, against its slowest device alone. Prints one markdown table row per measurement.
var n = int.Parse(args[0], CultureInfo.InvariantCulture);
var kvedge = args[1];
var kubectl = args[2];
var fleetYaml = args[3];
var renderedYaml = args[4];
var waitDevices = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 50;
var latency = TimeSpan.FromMilliseconds(10);
string[] extraNamespaces = [.. Enumerable.Range(0, 10).Select(i => $"site-{i}"), "golden"];

async Task<ContractCluster> Server(bool simulate = false, Func<string, TimeSpan?>? stepFor = null)
{
    var cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
    foreach (var ns in extraNamespaces)
    {
        cluster.Server.Seed(ContractCluster.Parse($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"},"status":{"phase":"Active"}}"""));
    }

    cluster.Server.Faults.When(_ => true, new Fault.Latency(latency), times: int.MaxValue);
    if (simulate)
    {
        cluster.Server.Simulator.StepFor = stepFor;
        cluster.Server.Simulator.Start();
    }

    return cluster;
}

(TimeSpan Wall, int Requests, int Writes) Run(ContractCluster cluster, string file, params string[] arguments)
{
    cluster.Server.ResetRequests();
    var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in arguments)
    {
        psi.ArgumentList.Add(a);
    }

    psi.Environment["KUBECONFIG"] = cluster.Kubeconfig;
    var clock = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    var stdout = p.StandardOutput.ReadToEndAsync();
    var stderr = p.StandardError.ReadToEndAsync();
    p.WaitForExit();
    clock.Stop();
    if (p.ExitCode != 0)
    {
        Console.Error.WriteLine($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited {p.ExitCode}:\n{Tail(stderr.Result)}\n{Tail(stdout.Result)}");
        Environment.Exit(1);
    }

    var requests = cluster.Server.Requests;
    return (clock.Elapsed, requests.Count, requests.Count(r => r.IsWrite));
}

static string Tail(string text) => text.Length > 2000 ? text[^2000..] : text;

static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s";

static string Ratio(TimeSpan a, TimeSpan b) => (a.TotalSeconds / b.TotalSeconds).ToString("0.0", CultureInfo.InvariantCulture) + "×";

var date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
var objects = File.ReadLines(renderedYaml).Count(l => l.StartsWith("kind: ", StringComparison.Ordinal));
Console.Error.WriteLine($"{n} devices, {objects} objects, {latency.TotalMilliseconds} ms per request");

(TimeSpan, int, int) kubectlFirst, kubectlAgain;
await using (var cluster = await Server())
{
    Console.Error.WriteLine("kubectl apply --server-side (first) ...");
    kubectlFirst = Run(cluster, kubectl, "apply", "--server-side", "--field-manager=kvedge", "-f", renderedYaml);
    Console.Error.WriteLine("kubectl apply --server-side (unchanged) ...");
    kubectlAgain = Run(cluster, kubectl, "apply", "--server-side", "--field-manager=kvedge", "-f", renderedYaml);
}

(TimeSpan, int, int) kvedgeFirst, kvedgeAgain;
await using (var cluster = await Server())
{
    Console.Error.WriteLine("kvedge install (first) ...");
    kvedgeFirst = Run(cluster, kvedge, "install", "-f", fleetYaml);
    Console.Error.WriteLine("kvedge install (unchanged) ...");
    kvedgeAgain = Run(cluster, kvedge, "install", "-f", fleetYaml);
}

Console.WriteLine("| date | run | kvedge install | kubectl apply --server-side | ratio | kvedge requests (writes) | kubectl requests (writes) |");
Console.WriteLine("|---|---|---|---|---|---|---|");
Console.WriteLine($"| {date} | {n} devices, first install | {Seconds(kvedgeFirst.Item1)} | {Seconds(kubectlFirst.Item1)} | {Ratio(kubectlFirst.Item1, kvedgeFirst.Item1)} | {kvedgeFirst.Item2} ({kvedgeFirst.Item3}) | {kubectlFirst.Item2} ({kubectlFirst.Item3}) |");
Console.WriteLine($"| {date} | {n} devices, unchanged re-install | {Seconds(kvedgeAgain.Item1)} | {Seconds(kubectlAgain.Item1)} | {Ratio(kubectlAgain.Item1, kvedgeAgain.Item1)} | {kvedgeAgain.Item2} ({kvedgeAgain.Item3}) | {kubectlAgain.Item2} ({kubectlAgain.Item3}) |");

// --wait: device i imports and boots in steps of 50 + (950 · i / (N - 1)) ms (six import steps, two boot steps), so
// the slowest device takes about 8 s on its own; the fleet's wait should take about as long as that device alone.
var waitFleet = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(fleetYaml))!, "wait-fleet.yaml");
var slowest = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(fleetYaml))!, "wait-slowest.yaml");
var docs = File.ReadAllText(fleetYaml).Split("---\n", StringSplitOptions.RemoveEmptyEntries).Take(waitDevices).ToList();
File.WriteAllText(waitFleet, string.Concat(docs.Select(d => "---\n" + d)));
File.WriteAllText(slowest, "---\n" + docs[^1]);
TimeSpan? Step(string name)
{
    // Object names start with the device's: edge-0042, edge-0042-root, edge-0042-data.
    if (!name.StartsWith("edge-", StringComparison.Ordinal) || name.Length < 9 || !int.TryParse(name[5..9], CultureInfo.InvariantCulture, out var i))
    {
        return null;
    }

    return TimeSpan.FromMilliseconds(50 + (950.0 * i / Math.Max(1, waitDevices - 1)));
}

TimeSpan alone, together;
await using (var cluster = await Server(simulate: true, Step))
{
    Console.Error.WriteLine($"kvedge install --wait, the slowest of {waitDevices} devices alone ...");
    alone = Run(cluster, kvedge, "install", "-f", slowest, "--wait", "--timeout", "5m").Wall;
}

await using (var cluster = await Server(simulate: true, Step))
{
    Console.Error.WriteLine($"kvedge install --wait, {waitDevices} devices ...");
    together = Run(cluster, kvedge, "install", "-f", waitFleet, "--wait", "--timeout", "5m").Wall;
}

Console.WriteLine();
Console.WriteLine("| date | run | fleet --wait | slowest device alone | fleet / slowest |");
Console.WriteLine("|---|---|---|---|---|");
Console.WriteLine($"| {date} | {waitDevices} devices, imports and boots of 0.4–8 s | {Seconds(together)} | {Seconds(alone)} | {(together.TotalSeconds / alone.TotalSeconds).ToString("0.00", CultureInfo.InvariantCulture)} |");

