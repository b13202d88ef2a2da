using System.Diagnostics;
using System.Text;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>
/// `kvedge operator` as a process against the contract server (KubeVirt and CDI simulated), driven by kubectl 1.35 as a
/// user drives a cluster: the CRD and the fleet example applied, `kubectl wait --for=condition=Ready` returning, `kubectl
/// get` showing the columns, /healthz, /readyz and /metrics answering, SIGTERM ending it cleanly; and two replicas with
/// leader election, of which only the Lease holder writes and the other takes over when it dies.
/// </summary>
public sealed class OperatorCommandTests : IAsyncLifetime
{
    private static readonly ResourceType EdgeDevices = new("kvedge.io", "v1alpha1", "edgedevices", "EdgeDevice", true, true);

    private ContractCluster _cluster = null!;
    private readonly List<(Process Process, StringBuilder Log)> _operators = [];

    private static string Kubectl => ExternalTool.Require(Path.Combine(RepoPaths.Root, ".tools", "kubectl", "kubectl"));

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        // The operator's ClusterRole, and an administrator to install the CRD.
        _cluster.Server.ClusterScope = true;
        _cluster.Server.Seed(ContractCluster.Parse("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"lab"},"status":{"phase":"Active"}}"""));
        _cluster.Server.Simulator.Start();
    }

    public async Task DisposeAsync()
    {
        foreach (var (process, _) in _operators)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        await _cluster.DisposeAsync();
    }

    private ToolResult Kube(params string[] args) => ExternalTool.Run(Kubectl, ["--kubeconfig", _cluster.Kubeconfig, .. args], timeoutSeconds: 90);

    private static void Ok(ToolResult r) => Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);


    private (Process Process, StringBuilder Log) StartOperator(params string[] extra) =>
        StartOperatorWith(["operator", "--kubeconfig", _cluster.Kubeconfig, "--resync", "1m", .. extra]);

    private (Process Process, StringBuilder Log) StartOperatorWith(IEnumerable<string> args)
    {
        var kvedge = Path.Combine(AppContext.BaseDirectory, "kvedge.dll");
        var psi = new ProcessStartInfo("env") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "--default-signal=TERM", "dotnet", kvedge }.Concat(args))
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
        _operators.Add((process, log));
        return (process, log);
    }

    private static string Text(StringBuilder log)
    {
        lock (log)
        {
            return log.ToString();
        }
    }

    private static async Task UntilAsync(Func<bool> done, TimeSpan within, Func<string> what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, what());
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task The_operator_brings_the_fleet_up_and_kubectl_sees_it_Ready()
    {
        var probe = LoopbackPort.Free();
        var metrics = LoopbackPort.Free();
        var (process, log) = StartOperator("--health-probe-bind-address", $"127.0.0.1:{probe}", "--metrics-bind-address", $"127.0.0.1:{metrics}");
        Ok(Kube("apply", "--server-side", "-f", Path.Combine(RepoPaths.Root, "deploy", "crds", "edgedevices.kvedge.io.yaml")));
        Ok(Kube("wait", "--for=condition=Established", "crd/edgedevices.kvedge.io", "--timeout=30s"));
        Ok(Kube("apply", "--server-side", "-f", Path.Combine(RepoPaths.Root, "examples", "fleet.yaml")));

        foreach (var ns in new[] { "factory-a", "factory-b" })
        {
            var wait = Kube("wait", "--for=condition=Ready", "edgedevice", "--all", "-n", ns, "--timeout=60s");
            Assert.True(wait.ExitCode == 0, wait.StdOut + wait.StdErr + "\n" + Text(log));
        }

        // The lab device's runStrategy is Manual: KubeVirt waits for a start, and so it is not Ready, and says why.
        await UntilAsync(() => (_cluster.Server.Store.Read(EdgeDevices, "lab", "lab-ephemeral")?["status"]?["stage"]?.GetValue<string>()) == "Stopped",
            TimeSpan.FromSeconds(30), () => $"{_cluster.Server.Store.Read(EdgeDevices, "lab", "lab-ephemeral")?["status"]}\n{Text(log)}");

        var get = Kube("get", "edgedevices", "-A");
        Ok(get);
        var lines = get.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["NAMESPACE", "NAME", "READY", "IOTEDGE", "VERSION", "NODE", "AGE"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(3, lines.Count(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2] == "True"));
        Assert.Contains(lines, l => l.Contains("lab-ephemeral", StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2] == "False");

        using var http = new HttpClient();
        Assert.Equal("ok\n", await http.GetStringAsync(new Uri($"http://127.0.0.1:{probe}/healthz")));
        Assert.Equal("ok\n", await http.GetStringAsync(new Uri($"http://127.0.0.1:{probe}/readyz")));
        var exposition = await http.GetStringAsync(new Uri($"http://127.0.0.1:{metrics}/metrics"));
        Assert.Contains("kvedge_edgedevices{ready=\"True\"} 3", exposition, StringComparison.Ordinal);
        Assert.Contains("controller_runtime_reconcile_total{controller=\"edgedevice\",result=\"success\"}", exposition, StringComparison.Ordinal);

        // An Event for each device that went Ready, as kubectl shows them.
        var events = Kube("get", "events.events.k8s.io", "-n", "factory-a", "-o", "jsonpath={range .items[*]}{.reason} {.regarding.name}{\"\\n\"}{end}");
        Ok(events);
        Assert.Contains("Ready press-01", events.StdOut, StringComparison.Ordinal);

        // SIGTERM, as the kubelet stops a pod: a clean stop, exit 0.
        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            await term.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.ExitCode == 0, Text(log));
        Assert.Contains("stopped", Text(log), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_operator_runs_with_the_charts_own_args_and_RBAC_and_nothing_more()
    {
        // The chart as helm v4 renders it for release kvedge-operator in kvedge-system: its ClusterRole bound cluster-wide,
        // its leader-election Role in kvedge-system, its container's args. The operator calls with a service account's
        // token that the contract server authorises by those rules alone, as the API server's RBAC authorizer would.
        var helm = ExternalTool.Require("helm", Path.Combine(RepoPaths.Root, ".tools", "helm", "helm"));
        var rendered = ExternalTool.Run(helm, ["template", "kvedge-operator", Path.Combine(RepoPaths.Root, "deploy", "helm", "kvedge-operator"), "-n", "kvedge-system"]);
        Ok(rendered);
        var objects = YamlToJson.ParseAll(rendered.StdOut);
        var rules = new List<(string?, RbacRule)>();
        foreach (var role in objects.Where(o => o["kind"]?.GetValue<string>() is "ClusterRole" or "Role"))
        {
            var scope = role["kind"]!.GetValue<string>() == "Role" ? role["metadata"]!["namespace"]!.GetValue<string>() : null;
            rules.AddRange(role["rules"]!.AsArray().Select(r => (scope, RbacRule.FromJson(r!))));
        }

        Assert.Contains(rules, r => r.Item1 is null);
        Assert.Contains(rules, r => r.Item1 == "kvedge-system");
        _cluster.Server.ServiceAccounts["operator-sa-token"] = new ServiceAccountGrant("kvedge-system", "kvedge-operator", rules);
        _cluster.Server.Seed(ContractCluster.Parse("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kvedge-system"},"status":{"phase":"Active"}}"""));
        var kubeconfig = _cluster.Server.WriteKubeconfig(Path.Combine(Path.GetDirectoryName(_cluster.Kubeconfig)!, "operator-sa.kubeconfig"), "kvedge-system", "operator-sa-token");

        var container = objects.Single(o => o["kind"]?.GetValue<string>() == "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var args = container["args"]!.AsArray().Select(a => a!.GetValue<string>())
            .Where(a => !a.StartsWith("--metrics-bind-address=", StringComparison.Ordinal) && !a.StartsWith("--health-probe-bind-address=", StringComparison.Ordinal))
            .ToList();
        Assert.Equal("operator", args[0]);
        Assert.Contains("--leader-elect", args);
        var (_, log) = StartOperatorWith([.. args, "--kubeconfig", kubeconfig, "--metrics-bind-address", "0", "--health-probe-bind-address", "0"]);

        // An administrator (the test user) installs the CRD and the fleet.
        Ok(Kube("apply", "--server-side", "-f", Path.Combine(RepoPaths.Root, "deploy", "crds", "edgedevices.kvedge.io.yaml")));
        Ok(Kube("wait", "--for=condition=Established", "crd/edgedevices.kvedge.io", "--timeout=30s"));
        Ok(Kube("apply", "--server-side", "-f", Path.Combine(RepoPaths.Root, "examples", "fleet.yaml")));
        var wait = Kube("wait", "--for=condition=Ready", "edgedevice", "--all", "-n", "factory-a", "--timeout=60s");
        Assert.True(wait.ExitCode == 0, wait.StdOut + wait.StdErr + "\n" + Text(log));
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.Lease, "kvedge-system", "kvedge-operator"));

        // A deleted EdgeDevice: its finalizer taken off by the operator, its data disk kept. The VM goes with its owner
        // (the operator's uninstall, and the garbage collector's part, which this server does not play: read before the
        // delete, since the uninstall may have removed it by the time the EdgeDevice is gone); the data disk has none.
        Assert.Contains(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "press-01")!["metadata"]!["ownerReferences"]!.AsArray(), o => o!["kind"]!.GetValue<string>() == "EdgeDevice");
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "press-01-data"));
        Ok(Kube("delete", "edgedevice", "press-01", "-n", "factory-a", "--wait=false"));
        await UntilAsync(() => _cluster.Server.Store.Read(EdgeDevices, "factory-a", "press-01") is null, TimeSpan.FromSeconds(30), () => Text(log));
        Assert.Null(_cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "press-01-data")!["metadata"]!["ownerReferences"]);
        Assert.DoesNotContain("forbidden", Text(log), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task With_leader_election_only_the_Lease_holder_writes_and_the_other_takes_over_when_it_dies()
    {
        string[] election = ["--leader-elect", "--leader-election-namespace", "default", "--leader-election-lease-duration", "3s",
            "--leader-election-renew-deadline", "2s", "--leader-election-retry-period", "500ms", "--health-probe-bind-address", "0", "--metrics-bind-address", "0"];
        _cluster.Server.InstallCrd(YamlToJson.ParseAll(File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "crds", "edgedevices.kvedge.io.yaml")))[0]);
        var (first, firstLog) = StartOperator(election);
        await UntilAsync(() => Text(firstLog).Contains("leading", StringComparison.Ordinal), TimeSpan.FromSeconds(30), () => Text(firstLog));
        var (second, secondLog) = StartOperator(election);
        Ok(Kube("apply", "--server-side", "-f", Path.Combine(RepoPaths.Root, "examples", "fleet.yaml")));
        Ok(Kube("wait", "--for=condition=Ready", "edgedevice", "--all", "-n", "factory-a", "--timeout=60s"));

        // Converged, both running: the only writes are the leader renewing its Lease.
        await Task.Delay(1500);
        _cluster.Server.ResetRequests();
        await Task.Delay(3000);
        var writes = _cluster.Server.Requests.Where(r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE").ToList();
        Assert.NotEmpty(writes);
        Assert.All(writes, w => Assert.True(w.Method == "PUT" && w.Path.EndsWith("/leases/kvedge-operator", StringComparison.Ordinal), $"{w.Method} {w.Path}"));
        Assert.DoesNotContain("leading", Text(secondLog), StringComparison.Ordinal);
        var holder = _cluster.Server.Store.Read(ResourceType.Lease, "default", "kvedge-operator")!["spec"]!;
        var transitions = holder["leaseTransitions"]!.GetValue<int>();

        // The leader dies without a word (no release): the other takes the Lease once it has seen it unchanged for the
        // lease duration, and reconciles from then on.
        first.Kill(entireProcessTree: true);
        var killed = Stopwatch.StartNew();
        await UntilAsync(() => Text(secondLog).Contains("leading", StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => Text(secondLog));
        // The lease duration, the retry period, and a margin for a loaded machine (client-go hands over in that bound too).
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(3 + 0.5 + 3), $"took {killed.Elapsed}");
        var lease = _cluster.Server.Store.Read(ResourceType.Lease, "default", "kvedge-operator")!["spec"]!;
        Assert.Equal(transitions + 1, lease["leaseTransitions"]!.GetValue<int>());
        Assert.NotEqual(holder["holderIdentity"]!.GetValue<string>(), lease["holderIdentity"]!.GetValue<string>());

        var changed = YamlToJson.ParseAll(File.ReadAllText(Path.Combine(RepoPaths.Root, "examples", "fleet.yaml")))[0];
        changed["spec"]!["memory"] = "6Gi";
        var file = Path.Combine(Path.GetDirectoryName(_cluster.Kubeconfig)!, "press-01.json");
        File.WriteAllText(file, changed.ToJsonString());
        Ok(Kube("apply", "--server-side", "-f", file));
        await UntilAsync(() => _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "press-01")?["spec"]?["template"]?["spec"]?["domain"]?["memory"]?["guest"]?.GetValue<string>() == "6Gi",
            TimeSpan.FromSeconds(30), () => Text(secondLog));
        Assert.False(second.HasExited);
    }
}
