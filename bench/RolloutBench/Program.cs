using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

// bench/rollout.sh's driver. Usage: RolloutBench N KVEDGE [MAX_UNAVAILABLE_PERCENT] [STEP_MS] [BY_HAND_SCRIPT KUBECTL]
// N IoT Edge devices installed and Ready in the contract server (its KubeVirt simulator: every restart takes the same
// time: the old instance's grace, two scheduling half-steps, a step to the agent, the readiness probe's first run; the
// simulator's lookups are by field, not walks of the namespace per event, so a thousand devices do not slow each other),
// then `kvedge upgrade --rollout --max-unavailable P%` of a memory change, the real kvedge process; then, side by side
// on the same server, a second memory change applied without a restart and rolled out by the user's script
// (bench/rollout-by-hand.sh: waves of restarts through kubectl, each waited for). Measured from the server's own change
// log: each rollout's wall time (the first restart request to the last device Ready on its new instance), each device's
// restart-to-Ready time (its boot), and the most devices not Ready at once. The ideal is ceil(N / maxUnavailable) waves
// x the median boot; the overhead per wave is (wall - ideal) / those waves.
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

// The change log: each device's restart request and its new instance's Ready (on the memory the phase applied), and
// how many are not Ready at once, per phase.
var phase = new Phase("6Gi");
var ready = new ConcurrentDictionary<string, bool>(Enumerable.Range(0, n).Select(i => KeyValuePair.Create($"dev-{i:0000}", true)));
var gate = new Lock();
cluster.Server.Store.Changed += e =>
{
    var name = e.Object["metadata"]?["name"]?.GetValue<string>();
    var p = phase;
    if (name is null)
    {
        return;
    }

    if (e.Type == ResourceType.VirtualMachine && e.Object["metadata"]?["annotations"]?["kvedge.io/rollout-restart"] is not null)
    {
        p.MarkAt.TryAdd(name, DateTime.UtcNow);
    }

    if (e.Type == ResourceType.VirtualMachine && e.Object["status"]?["stateChangeRequests"] is not null)
    {
        p.RestartAt.TryAdd(name, DateTime.UtcNow);
    }

    if (e.Type == ResourceType.VirtualMachineInstance)
    {
        var isReady = e.EventType != "DELETED" && e.Object["metadata"]?["deletionTimestamp"] is null
            && e.Object["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true;
        lock (gate)
        {
            ready[name] = isReady;
            p.MaxDown = Math.Max(p.MaxDown, ready.Values.Count(r => !r));
        }

        if (isReady && p.RestartAt.ContainsKey(name) && e.Object["spec"]?["domain"]?["resources"]?["requests"]?["memory"]?.GetValue<string>() == p.Memory)
        {
            p.ReadyAt.TryAdd(name, DateTime.UtcNow);
        }
    }
};

sim.Step = step;
sim.RestartGrace = step / 2;
var budget = Math.Max(1, n * percent / 100);
Console.Error.WriteLine($"rolling out to {n} devices at --max-unavailable {percent}% ...");
var serverCpu = Process.GetCurrentProcess().TotalProcessorTime;
var rollout = Kvedge("upgrade", "-f", fleet, "--set", $"spec.memory={phase.Memory}", "--rollout", "--max-unavailable", $"{percent}%", "--timeout", "60m", "--concurrency", "32");
if (rollout.Code != 0 || phase.ReadyAt.Count != n)
{
    Console.Error.WriteLine($"exit {rollout.Code}, {phase.ReadyAt.Count} of {n} updated\n{rollout.Err[^Math.Min(3000, rollout.Err.Length)..]}");
    return 1;
}

Console.Error.WriteLine($"server CPU during the rollout: {(Process.GetCurrentProcess().TotalProcessorTime - serverCpu).TotalSeconds:0.0} s");
var engine = phase;
// Where a freed slot's time goes, from the server's own clock: a device Ready on its new instance to the next device's
// restart mark (the engine's reaction: the event to kvedge, its plan, the mark's PATCH), paired first in, first out
// after the first wave; and a mark to KubeVirt's restart request (the restart's own requests).
var readies = engine.ReadyAt.Values.Order().ToList();
var marks = engine.MarkAt.Values.Order().Skip(budget).ToList();
var reaction = marks.Zip(readies, (m, r) => (m - r).TotalMilliseconds).Order().ToList();
var markToRestart = engine.MarkAt.Where(m => engine.RestartAt.ContainsKey(m.Key)).Select(m => (engine.RestartAt[m.Key] - m.Value).TotalMilliseconds).Order().ToList();
Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Ready to the next mark: median {reaction[reaction.Count / 2]:0} ms, p90 {reaction[reaction.Count * 9 / 10]:0} ms, mean {reaction.Average():0} ms; mark to restart request: median {markToRestart[markToRestart.Count / 2]:0} ms, p90 {markToRestart[markToRestart.Count * 9 / 10]:0} ms"));

// The same kind of change the way a user scripts it (bench/rollout-by-hand.sh): applied without a restart, then waves
// of `budget` restarts, each wave waited for with kubectl, side by side on the same server and simulator.
string? byHandRow = null;
if (args.Length > 5)
{
    phase = new Phase("8Gi");
    var apply = Kvedge("upgrade", "-f", fleet, "--set", $"spec.memory={phase.Memory}");
    if (apply.Code != 0)
    {
        Console.Error.WriteLine($"exit {apply.Code}\n{apply.Err[^Math.Min(3000, apply.Err.Length)..]}");
        return 1;
    }

    Console.Error.WriteLine($"rolling out to {n} devices by hand in waves of {budget} (kubectl) ...");
    var psi = new ProcessStartInfo("bash") { RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in new[] { args[4], args[5], cluster.Kubeconfig, "factory-a", budget.ToString(CultureInfo.InvariantCulture) }.Concat(Enumerable.Range(0, n).Select(i => $"dev-{i:0000}")))
    {
        psi.ArgumentList.Add(a);
    }

    var clock = Stopwatch.StartNew();
    using var script = Process.Start(psi)!;
    var scriptErr = script.StandardError.ReadToEndAsync();
    await script.WaitForExitAsync();
    if (script.ExitCode != 0 || phase.ReadyAt.Count != n)
    {
        Console.Error.WriteLine($"the script: exit {script.ExitCode}, {phase.ReadyAt.Count} of {n} updated\n{scriptErr.Result[^Math.Min(3000, scriptErr.Result.Length)..]}");
        return 1;
    }

    byHandRow = phase.Row(n, percent, budget, "kubectl, waves by hand", "", clock.Elapsed);
}

Console.WriteLine("| date | devices | maxUnavailable | how | restart-to-Ready (median, min–max) | waves (ideal / the engine's batches) | ideal | rollout wall | ratio | overhead per wave | budget in use | most not Ready | kvedge CPU | command wall |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
var line = rollout.Err.Split('\n').LastOrDefault(l => l.StartsWith("rollout complete", StringComparison.Ordinal)) ?? "";
Console.WriteLine(engine.Row(n, percent, budget, "kvedge upgrade --rollout", line.Split(',').Last().Trim(), rollout.Wall, rollout.Cpu));
if (byHandRow is not null)
{
    Console.WriteLine(byHandRow);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kvedge's rollout wall over the script's: {engine.Wall / phase.Wall:0.000}"));
}

Directory.Delete(folder, recursive: true);
return 0;

/// <summary>One rollout's change log, from the server's own clock.</summary>
internal sealed class Phase(string memory)
{
    public string Memory { get; } = memory;
    public ConcurrentDictionary<string, DateTime> RestartAt { get; } = new();
    public ConcurrentDictionary<string, DateTime> MarkAt { get; } = new();
    public ConcurrentDictionary<string, DateTime> ReadyAt { get; } = new();
    public int MaxDown { get; set; }

    /// <summary>The first restart request to the last device Ready on its new instance.</summary>
    public double Wall => (ReadyAt.Values.Max() - RestartAt.Values.Min()).TotalSeconds;

    public string Row(int n, int percent, int budget, string how, string batches, TimeSpan commandWall, TimeSpan? cpu = null)
    {
        var boots = ReadyAt.Select(r => (r.Value - RestartAt[r.Key]).TotalSeconds).Order().ToList();
        var median = boots[boots.Count / 2];
        var waves = (int)Math.Ceiling(n / (double)budget);
        var ideal = waves * median;
        // How much of the budget was kept in use: the devices' restart-to-Ready seconds over budget x wall. With boots of
        // one fixed length this is ideal / wall; with boots that vary it still says how long slots stood idle, which
        // waves x median cannot.
        var inUse = boots.Sum() / (budget * Wall);
        return string.Create(CultureInfo.InvariantCulture,
            $"| {DateTime.UtcNow:yyyy-MM-dd} | {n} | {percent}% ({budget}) | {how} | {median:0.00} s ({boots[0]:0.00}–{boots[^1]:0.00}) | {waves} / {(batches == "" ? "–" : batches)} | {ideal:0.0} s | {Wall:0.0} s | {Wall / ideal:0.000} | {(Wall - ideal) / waves * 1000:0} ms | {inUse:P1} | {MaxDown} | {(cpu is { } c ? $"{c.TotalSeconds:0.0} s" : "–")} | {commandWall.TotalSeconds:0.0} s |");
    }
}
