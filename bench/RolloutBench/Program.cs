using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

// bench/rollout.sh's driver. Usage: RolloutBench N KVEDGE [MAX_UNAVAILABLE_PERCENT] [STEP_MS]
// N IoT Edge devices installed and Ready in the contract server (its KubeVirt simulator: every restart takes the same
// time: the old instance's grace, two scheduling half-steps, a step to the agent, the readiness probe's first run; the
// simulator's lookups are by field, not walks of the namespace per event, so a thousand devices do not slow each other),
// then `kvedge upgrade --rollout --max-unavailable P%` of a memory change, the real kvedge process. Measured from the
// server's own change log: the rollout's wall time (the first restart request to the last device Ready on its new
// instance), each device's restart-to-Ready time (its boot), and the most devices not Ready at once. The ideal is
// ceil(N / maxUnavailable) waves x the median boot; the engine's overhead per wave is (wall - ideal) / those waves.
var n = int.Parse(args[0], CultureInfo.InvariantCulture);
var kvedge = args[1];
var percent = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
var step = TimeSpan.FromMilliseconds(args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 400);
const string Cs = "HostName=hub-a.azure-devices.net;DeviceId=bench;SharedAccessKey=YmVuY2gta2V5LWZvci10aGUtcm9sbG91dC1iZW5jaG1hcms=";

var folder = Directory.CreateTempSubdirectory("kvedge-rollout-bench-").FullName;
var fleet = Path.Combine(folder, "fleet.yaml");
File.WriteAllText(fleet, string.Join("\n---\n", Enumerable.Range(0, n).Select(i => Specs.Minimal($"dev-{i:0000}", """
    iotEdge:
      provisioning: {source: manual, method: connectionString}
      credentials: {connectionStringEnv: BENCH_CS}
    """))));

await using var cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
var sim = cluster.Server.Simulator;
// The install at the simulator's own pace (imports and first boots are not what is measured), the rollout's restarts at
// STEP: the old instance's grace (STEP / 2), scheduling (2 x STEP / 2), the agent (STEP), the probe's first run.
sim.Step = TimeSpan.FromMilliseconds(20);
sim.Start();

(int Code, string Err, TimeSpan Wall, TimeSpan Cpu) Kvedge(params string[] a)
{
    var psi = new ProcessStartInfo(kvedge) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
    psi.Environment["BENCH_CS"] = Cs;
    foreach (var x in a.Concat(["--kubeconfig", cluster.Kubeconfig]))
    {
        psi.ArgumentList.Add(x);
    }

    var clock = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    var err = p.StandardError.ReadToEndAsync();
    _ = p.StandardOutput.ReadToEndAsync();
    // Its CPU time, read while it runs (Linux keeps no figure for an exited child's Process object): the last reading
    // misses at most the final 200 ms.
    var cpu = TimeSpan.Zero;
    while (!p.WaitForExit(200))
    {
        try
        {
            cpu = p.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
        }
    }

    return (p.ExitCode, err.Result, clock.Elapsed, cpu);
}

Console.Error.WriteLine($"installing {n} devices ...");
var install = Kvedge("install", "-f", fleet, "--wait", "--timeout", "30m", "--concurrency", "32");
if (install.Code != 0)
{
    Console.Error.WriteLine(install.Err[^Math.Min(2000, install.Err.Length)..]);
    return 1;
}

// The change log: each device's restart request and its new instance's Ready, and how many are not Ready at once.
var restartAt = new ConcurrentDictionary<string, DateTime>();
var readyAt = new ConcurrentDictionary<string, DateTime>();
var ready = new ConcurrentDictionary<string, bool>(Enumerable.Range(0, n).Select(i => KeyValuePair.Create($"dev-{i:0000}", true)));
var maxDown = 0;
var gate = new Lock();
cluster.Server.Store.Changed += e =>
{
    var name = e.Object["metadata"]?["name"]?.GetValue<string>();
    if (name is null)
    {
        return;
    }

    if (e.Type == ResourceType.VirtualMachine && e.Object["status"]?["stateChangeRequests"] is not null)
    {
        restartAt.TryAdd(name, DateTime.UtcNow);
    }

    if (e.Type == ResourceType.VirtualMachineInstance)
    {
        var isReady = e.EventType != "DELETED" && e.Object["metadata"]?["deletionTimestamp"] is null
            && e.Object["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true;
        lock (gate)
        {
            ready[name] = isReady;
            maxDown = Math.Max(maxDown, ready.Values.Count(r => !r));
        }

        if (isReady && restartAt.ContainsKey(name) && e.Object["spec"]?["domain"]?["resources"]?["requests"]?["memory"]?.GetValue<string>() == "6Gi")
        {
            readyAt.TryAdd(name, DateTime.UtcNow);
        }
    }
};

sim.Step = step;
sim.RestartGrace = step / 2;
Console.Error.WriteLine($"rolling out to {n} devices at --max-unavailable {percent}% ...");
var rollout = Kvedge("upgrade", "-f", fleet, "--set", "spec.memory=6Gi", "--rollout", "--max-unavailable", $"{percent}%", "--timeout", "60m", "--concurrency", "32");
if (rollout.Code != 0 || readyAt.Count != n)
{
    Console.Error.WriteLine($"exit {rollout.Code}, {readyAt.Count} of {n} updated\n{rollout.Err[^Math.Min(3000, rollout.Err.Length)..]}");
    return 1;
}

var boots = readyAt.Select(r => (r.Value - restartAt[r.Key]).TotalSeconds).Order().ToList();
var median = boots[boots.Count / 2];
var wall = (readyAt.Values.Max() - restartAt.Values.Min()).TotalSeconds;
var budget = Math.Max(1, n * percent / 100);
var waves = (int)Math.Ceiling(n / (double)budget);
var ideal = waves * median;
var line = rollout.Err.Split('\n').LastOrDefault(l => l.StartsWith("rollout complete", StringComparison.Ordinal)) ?? "";
// How much of the budget the engine kept in use: the devices' restart-to-Ready seconds over budget x wall. With boots of
// one fixed length this is ideal / wall; with boots that vary it still says how long slots stood idle waiting for
// the engine, which waves x median cannot.
var inUse = boots.Sum() / (budget * wall);
Console.WriteLine("| date | devices | maxUnavailable | restart-to-Ready (median, min–max) | waves (ideal / the engine's batches) | ideal | rollout wall | ratio | overhead per wave | budget in use | most not Ready | kvedge CPU | command wall |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| {DateTime.UtcNow:yyyy-MM-dd} | {n} | {percent}% ({budget}) | {median:0.00} s ({boots[0]:0.00}–{boots[^1]:0.00}) | {waves} / {line.Split(',').Last().Trim()} | {ideal:0.0} s | {wall:0.0} s | {wall / ideal:0.000} | {(wall - ideal) / waves * 1000:0} ms | {inUse:P1} | {maxDown} | {rollout.Cpu.TotalSeconds:0.0} s | {rollout.Wall.TotalSeconds:0.0} s |"));
Directory.Delete(folder, recursive: true);
return 0;
