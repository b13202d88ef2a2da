using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>The cluster verbs end to end through the CLI, the real KubernetesClient and the contract test server.</summary>
public sealed class ClusterCommandTests : IAsyncLifetime
{
    private const string ConnectionString = "HostName=hub-a.azure-devices.net;DeviceId=edge-01;SharedAccessKey=c2VjcmV0LWtleS1mb3ItY2xpLWNsdXN0ZXItdGVzdHM=";
    private ContractCluster _cluster = null!;
    private string _folder = null!;
    private string _spec = null!;

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _folder = Directory.CreateTempSubdirectory("kvedge-cli-cluster-").FullName;
        _spec = Path.Combine(_folder, "edge-01.yaml");
        File.WriteAllText(_spec, Specs.Minimal("edge-01", """
            expose: {type: NodePort, sshNodePort: 30022}
            ssh: {user: plantadmin, authorizedKeys: ["KEY"]}
            iotEdge:
              provisioning: {source: manual, method: connectionString}
              credentials: {connectionStringEnv: IOTHUB_CS}
            """.Replace("KEY", TestKeys.Ed25519, StringComparison.Ordinal)).Replace($"  ssh:\n    authorizedKeys:\n      - \"{TestKeys.Ed25519}\"\n", "", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_folder, true);
    }

    private (int Code, TestConsole Console) Kvedge(params string[] args) => KvedgeWithInput("", args);

    private (int Code, TestConsole Console) KvedgeOnTerminal(params string[] args) => Run("", terminal: true, args);

    private (int Code, TestConsole Console) KvedgeWithInput(string stdin, params string[] args) => Run(stdin, terminal: false, args);

    private (int Code, TestConsole Console) Run(string stdin, bool terminal, string[] args) =>
        TestConsole.RunWith(stdin, new Dictionary<string, string> { ["HOME"] = _folder, ["IOTHUB_CS"] = ConnectionString }, terminal,
            [.. args, "--kubeconfig", _cluster.Kubeconfig]);

    [Fact]
    public void Install_prints_the_change_set_and_a_second_install_changes_nothing()
    {
        var (code, console) = Kvedge("install", "-f", _spec);
        Assert.Equal(0, code);
        Assert.Equal("""
            secret/edge-01-cloudinit created
            secret/edge-01-credentials created
            configmap/edge-01-config created
            datavolume.cdi.kubevirt.io/edge-01-root created
            datavolume.cdi.kubevirt.io/edge-01-data created
            virtualmachine.kubevirt.io/edge-01 created
            service/edge-01 created
            1 of 1 device(s) installed

            """, console.Err.Replace("\r", "", StringComparison.Ordinal));
        Assert.Empty(console.Out);
        Assert.DoesNotContain("c2VjcmV0", console.Err, StringComparison.Ordinal);

        _cluster.Server.ResetRequests();
        var (again, second) = Kvedge("install", "-f", _spec);
        Assert.Equal(0, again);
        Assert.Equal(7, second.Err.Split('\n').Count(l => l.EndsWith(" unchanged", StringComparison.Ordinal)));
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.IsWrite);
        Assert.Equal("factory-a", _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!["metadata"]!["namespace"]!.GetValue<string>());
    }

    [Fact]
    public void A_bare_dry_run_is_client_as_in_kubectl_and_writes_nothing_on_install_upgrade_and_uninstall()
    {
        _cluster.Server.ResetRequests();
        var (code, console) = Kvedge("install", "--dry-run", "-f", _spec);
        Assert.Equal(0, code);
        Assert.Empty(_cluster.Server.Requests); // client: rendered and listed, the cluster not even asked
        Assert.Contains("virtualmachine.kubevirt.io/edge-01 configured (client dry run)", console.Err, StringComparison.Ordinal);
        Assert.Null(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));

        Assert.Equal(0, Kvedge("install", "-f", _spec).Code);
        _cluster.Server.ResetRequests();
        Assert.Equal(0, Kvedge("upgrade", "-f", _spec, "--set", "spec.memory=6Gi", "--dry-run").Code);
        Assert.Empty(_cluster.Server.Requests);

        var (uninstall, dry) = Kvedge("uninstall", "edge-01", "--dry-run");
        Assert.Equal(0, uninstall);
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.IsWrite);
        Assert.Contains("virtualmachine.kubevirt.io/edge-01 deleted (dry run)", dry.Err, StringComparison.Ordinal);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));

        // server: every delete is sent, with dryRun=All, so the API server checks it; nothing goes. No confirmation asked.
        _cluster.Server.ResetRequests();
        var (server, checkedByServer) = Kvedge("uninstall", "edge-01", "--purge", "--dry-run=server");
        Assert.Equal(0, server);
        var deletes = _cluster.Server.Requests.Where(r => r.Method == "DELETE").ToList();
        Assert.Equal(7, deletes.Count);
        Assert.All(deletes, r => Assert.Contains("dryRun=All", r.Query, StringComparison.Ordinal));
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.IsWrite);
        Assert.Contains("datavolume.cdi.kubevirt.io/edge-01-data deleted (server dry run)", checkedByServer.Err, StringComparison.Ordinal);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-01-data"));

        Assert.Equal(2, Kvedge("uninstall", "edge-01", "--dry-run=everything").Code);
    }

    [Fact]
    public void A_device_without_a_namespace_goes_to_the_contexts_namespace_unless_n_says_otherwise()
    {
        // NamespaceLifecycle: the namespace a device goes to must exist.
        _cluster.Server.Seed(ContractCluster.Parse("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"line-7"},"status":{"phase":"Active"}}"""));
        var plain = Path.Combine(_folder, "plain.yaml");
        File.WriteAllText(plain, File.ReadAllText(_spec).Replace("  namespace: factory-a\n", "", StringComparison.Ordinal));
        Assert.Equal(0, Kvedge("install", "-f", plain, "--dry-run=server").Code);
        Assert.Contains(_cluster.Server.Requests, r => r.Path == "/apis/kubevirt.io/v1/namespaces/factory-a/virtualmachines/edge-01");
        Assert.Equal(0, Kvedge("install", "-f", plain, "-n", "line-7").Code);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "line-7", "edge-01"));
    }

    [Fact]
    public void Upgrade_reports_a_needed_restart_and_restarts_with_restart()
    {
        _cluster.Server.Simulator.Start();
        Assert.Equal(0, Kvedge("install", "-f", _spec, "--wait").Code);
        var (code, console) = Kvedge("upgrade", "-f", _spec, "--set", "spec.memory=6Gi");
        Assert.Equal(0, code);
        Assert.Contains("virtualmachine.kubevirt.io/edge-01 configured", console.Err, StringComparison.Ordinal);
        Assert.Contains("factory-a/edge-01: the VM template changed; the change takes effect at the next restart (kvedge restart edge-01 -n factory-a, or upgrade --restart)", console.Err, StringComparison.Ordinal);

        var (restartCode, restarted) = Kvedge("upgrade", "-f", _spec, "--set", "spec.memory=8Gi", "--restart");
        Assert.Equal(0, restartCode);
        Assert.Contains("restarted the VM", restarted.Err, StringComparison.Ordinal);
        Assert.Equal(1, _cluster.Server.Simulator.Restarts);
    }

    [Fact]
    public void Upgrade_says_which_changed_disk_needs_a_restart()
    {
        Assert.Equal(0, Kvedge("install", "-f", _spec).Code);
        var (code, console) = Kvedge("upgrade", "-f", _spec, "--set", "spec.iotEdge.mobyEngineVersion=27.3.2");
        Assert.Equal(0, code);
        Assert.Contains("configmap/edge-01-config configured\n", console.Err, StringComparison.Ordinal);
        Assert.Contains("factory-a/edge-01: configmap/edge-01-config changed, and the guest reads that disk only at boot; the change takes effect at the next restart "
            + "(kvedge restart edge-01 -n factory-a, or upgrade --restart)\n", console.Err, StringComparison.Ordinal);
        Assert.Equal(0, _cluster.Server.Simulator.Restarts);
    }

    [Fact]
    public void A_changed_cloud_init_secret_alone_is_a_note_not_a_restart()
    {
        Assert.Equal(0, Kvedge("install", "-f", _spec).Code);
        var (code, console) = Kvedge("upgrade", "-f", _spec, "--set", "spec.ssh.user=plantops", "--restart");
        Assert.Equal(0, code);
        Assert.Contains("secret/edge-01-cloudinit configured\n", console.Err, StringComparison.Ordinal);
        Assert.Contains("factory-a/edge-01: secret/edge-01-cloudinit changed: cloud-init applies its users, SSH keys and hostname only to a new VM instance, not at a restart", console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("takes effect at the next restart", console.Err, StringComparison.Ordinal);
        Assert.Equal(0, _cluster.Server.Simulator.Restarts);
    }

    [Fact]
    public void Install_wait_shows_import_progress_and_what_it_waits_for()
    {
        _cluster.Server.Simulator.Step = TimeSpan.FromMilliseconds(100);
        _cluster.Server.Simulator.Start();
        var (code, console) = Kvedge("install", "-f", _spec, "--wait", "--timeout", "1m");
        Assert.Equal(0, code);
        Assert.Contains("edge-01: waiting for the DataVolumes to import", console.Err, StringComparison.Ordinal);
        Assert.Contains("edge-01: importing edge-01-root [##############################] 100.0%", console.Err, StringComparison.Ordinal);
        Assert.Contains("edge-01: waiting for the guest agent (VMI condition AgentConnected; qemu-guest-agent in the guest, installed at its first boot)", console.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wait_that_runs_out_of_time_exits_4()
    {
        _cluster.Server.Simulator.ImportStallsAt = 50;
        _cluster.Server.Simulator.Start();
        var (code, console) = Kvedge("install", "-f", _spec, "--wait", "--timeout", "2s");
        Assert.Equal(ExitCodes.WaitTimeout, code);
        Assert.Contains("error: factory-a/edge-01: timed out after 2s waiting for factory-a/edge-01", console.Err, StringComparison.Ordinal);
        Assert.Contains("ready 0, timed out 1: factory-a/edge-01 (waiting for the DataVolumes to import)\n", console.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_importer_that_keeps_failing_is_shown_with_its_message_and_restarts_not_as_N_A()
    {
        // CDI keeps the phase and retries; only the Running condition and restartCount say why (a wrong URL here).
        _cluster.Server.Simulator.ImportFailsWith = "Unable to connect to http data source: expected status code 200, got 404. Status: 404 Not Found";
        _cluster.Server.Simulator.Start();
        var (code, console) = Kvedge("install", "-f", _spec, "--wait", "--timeout", "3s");
        Assert.Equal(ExitCodes.WaitTimeout, code);
        Assert.Matches(@"edge-01: importing edge-01-root \[\.+\] N/A, retrying \([0-9]+ restarts?\): Unable to connect to http data source: expected status code 200, got 404", console.Err);
        Assert.Matches(@"ready 0, timed out 1: factory-a/edge-01 \(waiting for the DataVolumes to import \(edge-01-(root|data): N/A, retrying \([0-9]+ restarts?\): Unable to connect", console.Err);

        var (statusCode, status) = Kvedge("status");
        Assert.Equal(0, statusCode);
        Assert.Matches(@"ImportInProgress N/A, retrying \([0-9]+ restarts\): Unable to connect to http data source", status.Out);
    }

    [Theory]
    [InlineData("install", "0")]
    [InlineData("install", "257")]
    [InlineData("uninstall", "0")]
    public void Concurrency_outside_1_to_256_is_refused_before_the_cluster_is_contacted(string verb, string value)
    {
        var (code, console) = Kvedge(verb, "-f", _spec, "--concurrency", value);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains($"--concurrency {value}: must be between 1 and 256", console.Err, StringComparison.Ordinal);
        Assert.Empty(_cluster.Server.Requests);
    }

    [Fact]
    public void A_persistent_failure_names_what_was_applied_and_a_rerun_continues_from_there()
    {
        // Every write of the VirtualMachine fails, however often the client retries.
        _cluster.Server.Faults.When(r => r.Method == "PATCH" && r.Path.EndsWith("/virtualmachines/edge-01", StringComparison.Ordinal),
            new Fault.Status(System.Net.HttpStatusCode.InternalServerError), times: 1000);
        var (code, console) = Kvedge("install", "-f", _spec);
        Assert.Equal(ExitCodes.Failure, code);
        var err = console.Err.Replace("\r", "", StringComparison.Ordinal);
        Assert.Contains("error: factory-a/edge-01: ", err, StringComparison.Ordinal);
        Assert.Contains("factory-a/edge-01: applied before the failure: secret/edge-01-cloudinit, secret/edge-01-credentials, configmap/edge-01-config, "
            + "datavolume.cdi.kubevirt.io/edge-01-root, datavolume.cdi.kubevirt.io/edge-01-data; running the command again continues from there\n", err, StringComparison.Ordinal);
        Assert.EndsWith("0 of 1 device(s) installed\n", err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.Null(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));

        _cluster.Server.Faults.Clear();
        var (rerun, again) = Kvedge("install", "-f", _spec);
        Assert.Equal(0, rerun);
        Assert.Equal(5, again.Err.Split('\n').Count(l => l.EndsWith(" unchanged", StringComparison.Ordinal)));
        Assert.Contains("virtualmachine.kubevirt.io/edge-01 created\n", again.Err, StringComparison.Ordinal);
        Assert.Contains("service/edge-01 created\n", again.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_VM_stopped_with_virtctl_is_not_answered_with_advice_that_starts_it()
    {
        Assert.Equal(0, Kvedge("install", "-f", _spec).Code);
        // virtctl stop: virt-api sets runStrategy Halted and so owns the field.
        _cluster.Server.VirtctlSetRunStrategy("factory-a", "edge-01", "Halted");
        var (code, console) = Kvedge("upgrade", "-f", _spec);
        Assert.Equal(ExitCodes.Conflict, code);
        Assert.Contains("conflict with \"virt-api\"", console.Err, StringComparison.Ordinal);
        Assert.Contains("the VM was stopped or started through KubeVirt (virtctl stop/start set its runStrategy)", console.Err, StringComparison.Ordinal);
        Assert.Contains("Run `virtctl start edge-01 -n factory-a` to start it again", console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("rerun with --force-conflicts", console.Err, StringComparison.Ordinal);
        Assert.Equal("Halted", _cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01")!["spec"]!["runStrategy"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_conflict_exits_5_and_names_the_way_out()
    {
        Assert.Equal(0, Kvedge("install", "-f", _spec).Code);
        using var raw = _cluster.RawClient();
        await k8s.CustomObjectsOperationsExtensions.PatchNamespacedCustomObjectAsync(raw.CustomObjects,
            new k8s.Models.V1Patch("""{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"edge-01","namespace":"factory-a"},"spec":{"runStrategy":"Halted"}}""", k8s.Models.V1Patch.PatchType.ApplyPatch),
            "kubevirt.io", "v1", "factory-a", "virtualmachines", "edge-01", fieldManager: "flux", force: true);
        var (code, console) = Kvedge("install", "-f", _spec);
        Assert.Equal(ExitCodes.Conflict, code);
        Assert.Contains("rerun with --force-conflicts", console.Err, StringComparison.Ordinal);
        Assert.Equal(0, Kvedge("install", "-f", _spec, "--force-conflicts").Code);
    }

    [Fact]
    public void What_the_guest_reports_reaches_the_table_escaped_and_bounded()
    {
        // Root in the guest sets what its agent reports: an OSC title, a screen clear, a bidi override, a zero-width
        // space and a long tail.
        _cluster.Server.Simulator.GuestOsPrettyName = "Ubuntu\u001b]0;owned\u0007\u001b[2J\u202egnp.exe\u200b" + new string('x', 1000);
        _cluster.Server.Simulator.Start();
        Assert.Equal(0, Kvedge("install", "-f", _spec, "--wait").Code);
        var (code, wide) = Kvedge("status", "-o", "wide");
        Assert.Equal(0, code);
        Assert.Contains("Ubuntu\\x1b]0;owned\\x07\\x1b[2J\\u202egnp.exe\\u200bxxx", wide.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(wide.Out, c => c is '\u001b' or '\u0007' or '\u202e' or '\u200b');
        Assert.All(wide.Out.Split('\n'), line => Assert.True(line.Length < 600, line));

        // JSON carries the value whole, escaped as JSON.
        var (jsonCode, json) = Kvedge("status", "edge-01", "-o", "json");
        Assert.Equal(0, jsonCode);
        Assert.StartsWith("Ubuntu\u001b]0;owned", System.Text.Json.Nodes.JsonNode.Parse(json.Out)!["items"]![0]!["guestOS"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(json.Out, c => c is '\u001b' or '\u0007');
    }

    [Fact]
    public void Status_prints_a_table_and_json()
    {
        _cluster.Server.Simulator.Start();
        Assert.Equal(0, Kvedge("install", "-f", _spec, "--wait").Code);
        var (code, table) = Kvedge("status");
        Assert.Equal(0, code);
        var lines = table.Out.TrimEnd().Split('\n');
        Assert.StartsWith("NAME      STATUS    READY   IOTEDGE   NODE          IP            IMPORT             SSH                   CONDITIONS", lines[0], StringComparison.Ordinal);
        Assert.Equal("edge-01   Running   True    healthy   edge-node-1   10.244.1.17   Succeeded 100.0%   192.168.10.21:30022   Ready=True,LiveMigratable=False,AgentConnected=True", lines[1]);

        // -o wide, as kubectl's: the same columns first, then the run strategy, the MAC, the guest OS the agent reports,
        // whether KubeVirt can live-migrate it (ReadWriteOnce disks: no) and the readiness reason (DeviceReadiness).
        var (wideCode, wide) = Kvedge("status", "-o", "wide");
        Assert.Equal(0, wideCode);
        var wideLines = wide.Out.TrimEnd().Split('\n');
        Assert.Matches(@"CONDITIONS +RUNSTRATEGY +MAC +GUEST-OS +LIVE-MIGRATABLE +REASON$", wideLines[0]);
        Assert.StartsWith(lines[1], wideLines[1], StringComparison.Ordinal);
        Assert.Matches(@"   Always +02:[0-9a-f]{2}(:[0-9a-f]{2}){4}   Ubuntu 24\.04 LTS   False +Ready$", wideLines[1]);

        var (jsonCode, json) = Kvedge("status", "edge-01", "-o", "json");
        Assert.Equal(0, jsonCode);
        var doc = System.Text.Json.Nodes.JsonNode.Parse(json.Out)!;
        Assert.Equal("192.168.10.21:30022", doc["items"]![0]!["ssh"]!.GetValue<string>());
        Assert.Equal("""{"stage":"Ready","reason":"Ready","message":"ready"}""", doc["items"]![0]!["readiness"]!.ToJsonString());
        Assert.Equal("Ubuntu 24.04 LTS", doc["items"]![0]!["guestOS"]!.GetValue<string>());
        // The device as an EdgeDevice's status would hold it (the operator writes the same type): kstatus's Ready, no
        // generation (the CLI runs it), the stage, and the columns' values.
        var summary = doc["items"]![0]!["edgeDeviceStatus"]!;
        Assert.Null(summary["observedGeneration"]);
        Assert.Equal("Ready", summary["stage"]!.GetValue<string>());
        Assert.Equal("Running", summary["vm"]!.GetValue<string>());
        Assert.Equal("healthy", summary["iotEdge"]!.GetValue<string>());
        Assert.Equal("edge-node-1", summary["node"]!.GetValue<string>());
        Assert.Equal("192.168.10.21:30022", summary["ssh"]!.GetValue<string>());
        var ready = Assert.Single(summary["conditions"]!.AsArray());
        Assert.Equal("Ready", ready!["type"]!.GetValue<string>());
        Assert.Equal("True", ready["status"]!.GetValue<string>());

        // -o yaml is the same document.
        var (yamlCode, yaml) = Kvedge("status", "edge-01", "-o", "yaml");
        Assert.Equal(0, yamlCode);
        Assert.Contains("kind: DeviceStatusList\n", yaml.Out, StringComparison.Ordinal);
        Assert.Contains("  ssh: \"192.168.10.21:30022\"\n", yaml.Out, StringComparison.Ordinal);
        Assert.Equal(1, Kvedge("status", "nope").Code);
    }

    [Fact]
    public void Ssh_prints_the_command_for_the_device_user_and_endpoint()
    {
        Assert.Equal(0, Kvedge("install", "-f", _spec).Code);
        // The test user is namespace-scoped: it may not list nodes, and no pod of the device names one yet.
        var (unknown, why) = Kvedge("ssh", "edge-01", "--via", "service", "--print");
        Assert.Equal(1, unknown);
        Assert.Contains("NodePort 30022 on any node's address (this user may not list nodes, and the device has no running pod to name its node;", why.Err, StringComparison.Ordinal);

        _cluster.Server.ClusterScope = true;
        var (code, console) = Kvedge("ssh", "edge-01", "--via", "service", "--print", "-i", "~/.ssh/edge");
        Assert.Equal(0, code);
        Assert.Equal("ssh -p 30022 -i '~/.ssh/edge' -- plantadmin@192.168.10.21\n", console.Out);

        // Through the API server (the default), the VM must be running: it has no instance yet here.
        var (notRunning, refused) = Kvedge("ssh", "edge-01", "--print");
        Assert.Equal(1, notRunning);
        Assert.Contains("device factory-a/edge-01 is not running: its VirtualMachine has no instance", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Restart_calls_the_restart_subresource()
    {
        _cluster.Server.Simulator.Start();
        Assert.Equal(0, Kvedge("install", "-f", _spec, "--wait").Code);
        var (code, console) = Kvedge("restart", "edge-01");
        Assert.Equal(0, code);
        Assert.Contains("virtualmachine.kubevirt.io/edge-01 restart requested", console.Err, StringComparison.Ordinal);
        Assert.Equal(1, _cluster.Server.Simulator.Restarts);
        Assert.Equal(1, Kvedge("restart", "nope").Code);

        // A second request while the first is queued: KubeVirt's 500, said as such, sent once.
        var (again, second) = Kvedge("restart", "edge-01");
        Assert.Equal(ExitCodes.Failure, again);
        Assert.Contains("KubeVirt did not restart virtualmachine.kubevirt.io/edge-01: Restart VirtualMachine failed: VM stop/start already underway", second.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Restart_of_a_halted_VM_is_KubeVirt_refusing_not_a_field_conflict()
    {
        Assert.Equal(0, Kvedge("install", "-f", _spec, "--set", "spec.runStrategy=Halted").Code);
        var (code, console) = Kvedge("restart", "edge-01");
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("KubeVirt did not restart virtualmachine.kubevirt.io/edge-01: RunStategy Halted does not support manual restart requests", console.Err, StringComparison.Ordinal);
        Assert.Single(_cluster.Server.Requests, r => r.Path.EndsWith("/restart", StringComparison.Ordinal));
    }

    [Fact]
    public void Uninstall_keeps_the_data_disk_and_purge_asks_first()
    {
        Assert.Equal(0, Kvedge("install", "-f", _spec).Code);
        var (refused, noAnswer) = Kvedge("uninstall", "edge-01", "--purge");
        Assert.Equal(ExitCodes.InvalidInput, refused);
        Assert.Contains("add --yes to confirm. Nothing was deleted.", noAnswer.Err, StringComparison.Ordinal);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));

        var (code, console) = Kvedge("uninstall", "edge-01");
        Assert.Equal(0, code);
        Assert.Contains("datavolume.cdi.kubevirt.io/edge-01-data kept (the data disk; --purge deletes it)", console.Err, StringComparison.Ordinal);
        Assert.Contains("virtualmachine.kubevirt.io/edge-01 deleted", console.Err, StringComparison.Ordinal);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-01-data"));

        var (wrong, _) = KvedgeWithInput("edge-02\n", "uninstall", "edge-01", "--purge");
        Assert.Equal(ExitCodes.InvalidInput, wrong);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-01-data"));

        var (purged, _) = KvedgeWithInput("edge-01\n", "uninstall", "edge-01", "--purge");
        Assert.Equal(0, purged);
        Assert.Null(_cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-01-data"));
        Assert.Null(_cluster.Server.Store.Read(ResourceType.Secret, "factory-a", "edge-01-credentials"));
    }

    // The test device three times over: edge-01 (the spec), edge-02 and edge-03, as one fleet file.
    private string Fleet()
    {
        var one = File.ReadAllText(_spec);
        var fleet = Path.Combine(_folder, "fleet.yaml");
        File.WriteAllText(fleet, string.Join("\n---\n", new[] { "edge-01", "edge-02", "edge-03" }.Select(n => one.Replace("name: edge-01", $"name: {n}", StringComparison.Ordinal))));
        return fleet;
    }

    [Fact]
    public void Uninstall_of_a_fleet_file_reads_by_lists_keeps_every_data_disk_and_reports_each_device()
    {
        var fleet = Fleet();
        Assert.Equal(0, Kvedge("install", "-f", fleet).Code);
        _cluster.Server.ResetRequests();

        var (code, console) = Kvedge("uninstall", "-f", fleet);

        Assert.Equal(0, code);
        foreach (var device in new[] { "edge-01", "edge-02", "edge-03" })
        {
            Assert.Contains($"virtualmachine.kubevirt.io/{device} deleted", console.Err, StringComparison.Ordinal);
            Assert.Contains($"datavolume.cdi.kubevirt.io/{device}-data kept (the data disk; --purge deletes it)", console.Err, StringComparison.Ordinal);
            Assert.NotNull(_cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", $"{device}-data"));
        }

        Assert.Contains("3 of 3 device(s) uninstalled", console.Err, StringComparison.Ordinal);
        // One list per kind for the fleet (five rendered kinds and the vTPM state PVCs), not per device.
        var lists = _cluster.Server.Requests.Where(r => r.Method == "GET").ToList();
        Assert.Equal(6, lists.Count);
    }

    [Fact]
    public void Uninstall_by_selector_deletes_the_matching_devices_and_purge_asks_for_the_fleet_size()
    {
        Assert.Equal(0, Kvedge("install", "-f", Fleet()).Code);

        var (refused, wrongCount) = KvedgeWithInput("2\n", "uninstall", "-l", "app.kubernetes.io/name=aziot-edge", "--purge");
        Assert.Equal(ExitCodes.InvalidInput, refused);
        Assert.Contains("Type the number of devices (3) to confirm", wrongCount.Err, StringComparison.Ordinal);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.DataVolume, "factory-a", "edge-02-data"));

        var (code, console) = Kvedge("uninstall", "-l", "app.kubernetes.io/instance in (edge-02,edge-03)");
        Assert.Equal(0, code);
        Assert.Contains("virtualmachine.kubevirt.io/edge-02 deleted", console.Err, StringComparison.Ordinal);
        Assert.Contains("virtualmachine.kubevirt.io/edge-03 deleted", console.Err, StringComparison.Ordinal);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));

        var (none, nothing) = Kvedge("uninstall", "-l", "app.kubernetes.io/instance=edge-99");
        Assert.Equal(ExitCodes.Failure, none);
        Assert.Contains("no kvedge devices in factory-a match -l app.kubernetes.io/instance=edge-99", nothing.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Wait_for_a_fleet_on_a_terminal_is_a_live_view_redrawn_in_place_and_plain_lines_otherwise()
    {
        // Steps long enough that the waiter sees every stage of every device even on a loaded machine (the stage lines
        // are what this test reads; at 50 ms a busy CI machine let a VM become Ready before its stage was reported).
        _cluster.Server.Simulator.Step = TimeSpan.FromMilliseconds(300);
        _cluster.Server.Simulator.Start();
        var fleet = Fleet();

        var (code, console) = KvedgeOnTerminal("install", "-f", fleet, "--wait", "--timeout", "1m");

        Assert.Equal(0, code);
        var err = console.Err;
        Assert.Contains("\u001b[J", err, StringComparison.Ordinal); // redrawn in place
        var last = err[(err.LastIndexOf("\u001b[J", StringComparison.Ordinal) + 3)..];
        Assert.StartsWith("ready 3 of 3\n  edge-01  ready\n  edge-02  ready\n  edge-03  ready\n", last, StringComparison.Ordinal);
        Assert.Contains("  edge-01  importing edge-01-root ", err, StringComparison.Ordinal);
        Assert.Contains("ready 3, timed out 0", err, StringComparison.Ordinal);

        Assert.Equal(0, Kvedge("uninstall", "-f", fleet, "--purge", "--yes").Code);
        var (again, plain) = Kvedge("install", "-f", fleet, "--wait", "--timeout", "1m");
        Assert.Equal(0, again);
        Assert.DoesNotContain("\u001b", plain.Err, StringComparison.Ordinal);
        Assert.Contains("edge-02: waiting for the VirtualMachineInstance to be Running\n", plain.Err, StringComparison.Ordinal);
        Assert.Contains("edge-03: ready\n", plain.Err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uninstall")]
    [InlineData("uninstall edge-01 -l app=x")]
    public void Uninstall_needs_exactly_one_way_of_naming_the_devices(string args)
    {
        var (code, console) = Kvedge(args.Split(' '));
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("name the devices one way: NAME, -f FILE or -l SELECTOR", console.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Preflight_prints_a_table_and_fails_on_a_failed_check()
    {
        // A namespace-scoped user (the test default) cannot read the cluster's own objects: warnings, not failures.
        var (limited, warned) = Kvedge("preflight", "-f", _spec);
        Assert.Equal(0, limited);
        Assert.Contains("KubeVirt         warn     cannot read the KubeVirt CR: forbidden for this user", warned.Out, StringComparison.Ordinal);

        _cluster.Server.ClusterScope = true;
        var (code, console) = Kvedge("preflight", "-f", _spec);
        Assert.Equal(0, code);
        Assert.Contains("KubeVirt         pass     KubeVirt v1.9.0 Deployed", console.Out, StringComparison.Ordinal);
        _cluster.Server.Denied.Add("patch virtualmachines");
        var (failed, denied) = Kvedge("preflight");
        Assert.Equal(1, failed);
        Assert.Contains("permissions      fail     not allowed in namespace factory-a: patch kubevirt.io/virtualmachines", denied.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_dry_run_needs_no_cluster()
    {
        // No --kubeconfig, no KUBECONFIG, an empty HOME: any other verb exits 3 here (the no-cluster test below).
        var (code, console) = TestConsole.RunWith("", new Dictionary<string, string> { ["HOME"] = _folder, ["IOTHUB_CS"] = ConnectionString }, "install", "-f", _spec, "--dry-run=client");
        Assert.Equal(0, code);
        Assert.Contains("virtualmachine.kubevirt.io/edge-01 configured (client dry run)", console.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Context_picks_the_kubeconfig_context_and_its_namespace()
    {
        // NamespaceLifecycle: the namespace a device goes to must exist.
        _cluster.Server.Seed(ContractCluster.Parse("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"line-7"},"status":{"phase":"Active"}}"""));
        var kubeconfig = Path.Combine(_folder, "two-contexts");
        File.WriteAllText(kubeconfig, File.ReadAllText(_cluster.Kubeconfig).Replace("contexts:\n", """
            contexts:
            - name: line-7
              context:
                cluster: contract
                user: tester
                namespace: line-7

            """, StringComparison.Ordinal));
        var plain = Path.Combine(_folder, "plain.yaml");
        File.WriteAllText(plain, File.ReadAllText(_spec).Replace("  namespace: factory-a\n", "", StringComparison.Ordinal));
        var env = new Dictionary<string, string> { ["HOME"] = _folder, ["IOTHUB_CS"] = ConnectionString };

        Assert.Equal(0, TestConsole.RunWith("", env, "install", "-f", plain, "--kubeconfig", kubeconfig, "--context", "line-7").Code);
        Assert.NotNull(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "line-7", "edge-01"));
        Assert.Null(_cluster.Server.Store.Read(ResourceType.VirtualMachine, "factory-a", "edge-01"));

        var (code, console) = TestConsole.RunWith("", env, "status", "--kubeconfig", kubeconfig, "--context", "nowhere");
        Assert.Equal(ExitCodes.ClusterUnavailable, code);
        Assert.Contains("nowhere", console.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_input_is_refused_before_the_cluster_is_contacted()
    {
        var bad = Path.Combine(_folder, "bad.yaml");
        File.WriteAllText(bad, Specs.Minimal("Edge_01"));
        var (code, console) = Kvedge("install", "-f", bad);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("metadata.name", console.Err, StringComparison.Ordinal);
        Assert.Empty(_cluster.Server.Requests);
        Assert.Equal(ExitCodes.InvalidInput, Kvedge("install", "-f", _spec, "--timeout", "ten minutes").Code);
    }

    public static TheoryData<string[]> EveryVerb() => new()
    {
        new[] { "install", "-f", "SPEC" },
        new[] { "upgrade", "-f", "SPEC" },
        new[] { "status" },
        new[] { "uninstall", "edge-01" },
        new[] { "preflight" },
        new[] { "ssh", "edge-01" },
        new[] { "restart", "edge-01" },
        new[] { "exec", "edge-01", "true" },
        new[] { "health", "edge-01" },
        new[] { "logs", "edge-01" },
        new[] { "support-bundle", "edge-01", "-o", "bundle.zip" },
        new[] { "port-forward", "edge-01", "22", "--stdio" },
    };

    [Theory]
    [MemberData(nameof(EveryVerb))]
    public void With_no_cluster_configured_every_verb_fails_in_one_line(string[] args)
    {
        var (code, console) = TestConsole.RunWith("", new Dictionary<string, string> { ["HOME"] = _folder, ["IOTHUB_CS"] = ConnectionString },
            [.. args.Select(a => a == "SPEC" ? _spec : a)]);
        Assert.Equal(ExitCodes.ClusterUnavailable, code);
        Assert.Equal($"error: no cluster configured: no kubeconfig at {_folder}/.kube/config, KUBECONFIG is not set, and this is not a pod; pass --kubeconfig or set KUBECONFIG\n", console.Err);
        Assert.Empty(console.Out);
    }

    [Theory]
    [MemberData(nameof(EveryVerb))]
    public void With_a_cluster_that_does_not_answer_every_verb_fails_in_one_line(string[] args)
    {
        var kubeconfig = Path.Combine(_folder, "dead-kubeconfig");
        File.WriteAllText(kubeconfig, File.ReadAllText(_cluster.Kubeconfig).Replace(_cluster.Server.Url.ToString().TrimEnd('/'), "http://127.0.0.1:9", StringComparison.Ordinal));
        var (code, console) = TestConsole.RunWith("", new Dictionary<string, string> { ["HOME"] = _folder, ["IOTHUB_CS"] = ConnectionString },
            [.. args.Select(a => a == "SPEC" ? _spec : a), "--kubeconfig", kubeconfig]);
        Assert.Equal(ExitCodes.ClusterUnavailable, code);
        Assert.Matches(@"^error: the cluster at http://127\.0\.0\.1:9/? does not answer: [^\n]+\n$", console.Err);
        Assert.Empty(console.Out);
    }
}
