using System.IO.Compression;
using System.Text.Json.Nodes;
using KVEdge.Testing;
using KVEdge.Testing.ApiServer;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>
/// The verbs that reach into the guest (ssh, exec, health, logs, support-bundle, status --health, port-forward) for a
/// device with expose.type None: real OpenSSH, its ProxyCommand this kvedge's own `port-forward --stdio`, through the
/// contract server's KubeVirt portforward subresource (a websocket, plain.kubevirt.io) to a stand-in guest's sshd.
/// </summary>
public sealed class GuestVerbsTests : IAsyncLifetime
{
    private const string ConnectionString = "HostName=hub-a.azure-devices.net;DeviceId=edge-01;SharedAccessKey=c2VjcmV0LWtleS1mb3ItZ3Vlc3QtdmVyYnMtdGVzdHM=";
    private ContractCluster _cluster = null!;
    private StandInGuestSshd _guest = null!;
    private string _folder = null!;
    private int _setupStreams;

    public async Task InitializeAsync()
    {
        _cluster = (await ContractCluster.StartAsync()).SeedHealthyCluster();
        _cluster.Server.Simulator.Start();
        _guest = StandInGuestSshd.Start();
        _folder = Directory.CreateTempSubdirectory("kvedge-cli-guest-").FullName;
        var spec = Path.Combine(_folder, "edge-01.yaml");
        File.WriteAllText(spec, Specs.Minimal("edge-01", """
            expose: {type: None}
            iotEdge:
              provisioning: {source: manual, method: connectionString}
              credentials: {connectionStringEnv: IOTHUB_CS}
            """));
        var (code, console) = Kvedge("install", "-f", spec, "--wait", "--timeout", "1m");
        Assert.True(code == 0, console.Err);
        Assert.Null(_cluster.Server.Store.Read(ResourceType.Service, "factory-a", "edge-01"));
        // --wait did not try to ask the guest for IoT Edge's verdict: no SSH key here to log in with.
        Assert.Contains("kvedge health NAME (no SSH key found for it here: --identity)", console.Err, StringComparison.Ordinal);
        _setupStreams = _cluster.Server.PortForwardStreams;
        Assert.Equal(0, _setupStreams);
        _cluster.Server.MapGuestPort("factory-a", "edge-01", 22, _guest.EndPoint);
    }

    public async Task DisposeAsync()
    {
        _guest.Dispose();
        await _cluster.DisposeAsync();
        Directory.Delete(_folder, true);
    }

    private (int Code, TestConsole Console) Kvedge(params string[] args) =>
        TestConsole.RunWith("", new Dictionary<string, string> { ["HOME"] = _folder, ["IOTHUB_CS"] = ConnectionString }, [args[0], "--kubeconfig", _cluster.Kubeconfig, .. args[1..]]);

    // The guest verbs log in as the stand-in guest's user with its key.
    private (int Code, TestConsole Console) Guest(string verb, params string[] args) =>
        Kvedge([verb, args[0], "-l", StandInGuestSshd.User, "--identity", _guest.ClientKey, .. args[1..]]);

    [Fact]
    public void Exec_runs_the_command_through_the_API_server_with_each_argument_whole_and_passes_its_exit_code_on()
    {
        var (code, console) = Guest("exec", "edge-01", "--", "printf", "%s|", "one", "two words", "$HOME", "it's");
        Assert.True(code == 0, console.Err);
        Assert.Equal("one|two words|$HOME|it's|", console.Out);
        Assert.True(_cluster.Server.PortForwardStreams >= _setupStreams + 1);

        var (failed, _) = Guest("exec", "edge-01", "--", "sh", "-c", "exit 7");
        Assert.Equal(7, failed);

        // The host key was taken on first use into virtctl's known-hosts file, under the name virtctl gives it (ssh may
        // hash the names: ssh-keygen -F finds them either way).
        var known = ExternalTool.Run("ssh-keygen", ["-F", "vmi/edge-01.factory-a", "-f", Path.Combine(_folder, ".ssh", "kubevirt_known_hosts")]);
        Assert.True(known.ExitCode == 0, known.StdOut + known.StdErr);
        Assert.Contains("ssh-ed25519", known.StdOut, StringComparison.Ordinal);
    }

    // `kvedge tpm ek edge-01`, the subcommand's options after it.
    private (int Code, TestConsole Console) TpmEk(params string[] args) =>
        TestConsole.RunWith("", new Dictionary<string, string> { ["HOME"] = _folder },
            ["tpm", "ek", "edge-01", "--kubeconfig", _cluster.Kubeconfig, "-l", StandInGuestSshd.User, "--identity", _guest.ClientKey, .. args]);

    [Fact]
    public void Tpm_ek_reads_the_endorsement_key_of_the_guests_TPM_with_tpm2_tools()
    {
        using var tpm = SwtpmServer.Start();
        // No TPM in the guest yet: said, not a stack trace.
        var (none, noTpm) = TpmEk();
        Assert.Equal(1, none);
        Assert.StartsWith("error: factory-a/edge-01: the VM has no TPM (/dev/tpmrm0 is missing)", noTpm.Err, StringComparison.Ordinal);

        _guest.AttachTpm(tpm);
        var (code, console) = TpmEk();
        Assert.True(code == 0, console.Err);
        // The same key tpm2-tools gives on the host from the same TPM, and its registration ID as sha256sum gives it.
        var ekFile = Path.Combine(_folder, "ek.pub");
        var direct = tpm.Run("tpm2_createek", "-Q", "-c", Path.Combine(_folder, "ek.ctx"), "-G", "rsa", "-u", ekFile);
        Assert.True(direct.ExitCode == 0, direct.StdErr);
        var registrationId = ExternalTool.Run(ExternalTool.Require("sha256sum"), [ekFile]).StdOut.Split(' ')[0];
        Assert.Equal($"Registration ID: {registrationId}\nEndorsement key: {Convert.ToBase64String(File.ReadAllBytes(ekFile))}\n", console.Out);
        Assert.Contains("factory-a/edge-01: RSA 2048-bit endorsement key, made again from the endorsement seed (none persistent at 0x81010001)", console.Err, StringComparison.Ordinal);

        var (jsonCode, json) = TpmEk("-o", "json");
        Assert.Equal(0, jsonCode);
        var document = JsonNode.Parse(json.Out)!;
        Assert.Equal(registrationId, document["registrationId"]!.GetValue<string>());
        Assert.Equal(2048, document["keyBits"]!.GetValue<int>());
        Assert.False(document["persistent"]!.GetValue<bool>());
    }

    [Fact]
    public void Exec_passes_standard_input_only_with_i()
    {
        var withInput = TestConsole.RunWith("from stdin\n", new Dictionary<string, string> { ["HOME"] = _folder },
            ["exec", "edge-01", "-i", "-l", StandInGuestSshd.User, "--identity", _guest.ClientKey, "--kubeconfig", _cluster.Kubeconfig, "--", "cat"]);
        Assert.Equal(0, withInput.Code);
        Assert.Equal("from stdin\n", withInput.Console.Out);

        var without = TestConsole.RunWith("from stdin\n", new Dictionary<string, string> { ["HOME"] = _folder },
            ["exec", "edge-01", "-l", StandInGuestSshd.User, "--identity", _guest.ClientKey, "--kubeconfig", _cluster.Kubeconfig, "--", "cat"]);
        Assert.Equal(0, without.Code);
        Assert.Equal("", without.Console.Out);
    }

    [Fact]
    public void Health_runs_the_guest_health_program_a_new_device_passes_with_its_note_and_a_stopped_edgeHub_fails()
    {
        // A new device, as the real runtime leaves it: edgeAgent alone until its first IoT Hub deployment (417).
        var (code, console) = Guest("health", "edge-01");
        Assert.True(code == 0, console.Err);
        Assert.Equal("healthy, no deployment yet: edgeAgent runs alone and reports 417 until the device's IoT Hub deployment is set; edgeHub starts with it\n", console.Out);

        _guest.Deployed();
        var (deployed, withHub) = Guest("health", "edge-01");
        Assert.True(deployed == 0, withHub.Err);
        Assert.Equal("healthy\n", withHub.Out);

        var (jsonCode, json) = Guest("health", "edge-01", "-o", "json");
        Assert.Equal(0, jsonCode);
        var report = JsonNode.Parse(json.Out)!;
        Assert.True(report["healthy"]!.GetValue<bool>());
        Assert.Equal("received", report["deployment"]!.GetValue<string>());
        Assert.Equal("1.5.21", report["runtimeVersion"]!.GetValue<string>());
        Assert.Equal("provisioned", report["provisioning"]!.GetValue<string>());
        Assert.Equal("Running", report["services"]!["aziot-edged"]!.GetValue<string>());
        Assert.Equal(["edgeAgent", "edgeHub"], report["modules"]!.AsArray().Select(m => m!["name"]!.GetValue<string>()));

        _guest.SetModule("edgeHub", "stopped");
        var (sick, unhealthy) = Guest("health", "edge-01");
        Assert.Equal(1, sick);
        Assert.Equal("failed: edgeHub is stopped\n", unhealthy.Out);

        // Through the health program at the guest's path, as root (sudo -n when the login is not root).
        Assert.Contains(_guest.Commands, c => c.EndsWith("/usr/local/lib/kvedge/kvedge-health --json", StringComparison.Ordinal));
        Assert.DoesNotContain("c2VjcmV0", json.Out + json.Err + unhealthy.Out + unhealthy.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Wait_ends_with_IoT_Edge_s_own_verdict_a_new_device_has_no_deployment_yet()
    {
        var spec = Path.Combine(_folder, "edge-01.yaml");
        var (code, console) = Kvedge("upgrade", "-f", spec, "--wait", "--timeout", "1m", "-l", StandInGuestSshd.User, "--identity", _guest.ClientKey);
        Assert.True(code == 0, console.Err);
        Assert.Contains("factory-a/edge-01: IoT Edge is healthy with no deployment yet: edgeAgent runs alone and reports 417 until the device's IoT Hub deployment is set, and edgeHub starts with it", console.Err, StringComparison.Ordinal);
        Assert.Contains("ready 1, timed out 0", console.Err, StringComparison.Ordinal);

        // A device that cannot be asked is still ready; the summary names the command that would ask it.
        _cluster.Server.MapGuestPort("factory-a", "edge-01", 22, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1));
        var (unreachable, without) = Kvedge("upgrade", "-f", spec, "--wait", "--timeout", "1m", "-l", StandInGuestSshd.User, "--identity", _guest.ClientKey);
        Assert.True(unreachable == 0, without.Err);
        Assert.Contains("factory-a/edge-01: Ready (the readiness probe passes); IoT Edge's own verdict, such as whether a deployment has arrived, needs SSH: kvedge health edge-01 -n factory-a (", without.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_halted_rollout_names_the_health_programs_own_verdict_of_the_failed_device()
    {
        // A bad change: the instance booted with it fails its readiness probe, and the guest's health program says why.
        _cluster.Server.Simulator.GuestHealthyWith = vmi => vmi["spec"]?["domain"]?["resources"]?["requests"]?["memory"]?.GetValue<string>() != "6Gi";
        _guest.SetModule("edgeAgent", "stopped");
        var spec = Path.Combine(_folder, "edge-01.yaml");
        var (code, console) = Kvedge("upgrade", "-f", spec, "--set", "spec.memory=6Gi", "--rollout", "--progress-deadline", "2s", "-l", StandInGuestSshd.User, "--identity", _guest.ClientKey);
        Assert.True(code == 6, console.Err);
        Assert.Matches(@"error: rollout halted: 1 device\(s\) failed, the failure threshold is 1 \(factory-a/edge-01: HealthProbeNotPassing: .*; IoT Edge: failed: edgeAgent is stopped\)", console.Err);
    }

    [Fact]
    public void Logs_read_the_aziot_and_kvedge_journal_or_one_module()
    {
        _guest.Deployed();
        var (code, console) = Guest("logs", "edge-01", "--tail", "50", "--since", "15m");
        Assert.True(code == 0, console.Err);
        Assert.Contains("journalctl (stand-in) --no-pager -o short-iso -u aziot-keyd -u aziot-certd -u aziot-identityd -u aziot-tpmd -u aziot-edged -u kvedge-converge -u kvedge-apply -n 50 --since -15m",
            console.Out, StringComparison.Ordinal);

        var (module, edgeHub) = Guest("logs", "edge-01", "edgeHub", "--tail", "5", "-f");
        Assert.True(module == 0, edgeHub.Err);
        Assert.Equal("<6> edgeHub (stand-in): started; args: --tail 5 -f\n", edgeHub.Out);

        var (missing, _) = Guest("logs", "edge-01", "nosuchmodule");
        Assert.Equal(1, missing);
    }

    [Theory]
    [InlineData("logs edge-01 'edge;reboot'", "MODULE \"edge;reboot\"")]
    [InlineData("logs edge-01 --since yesterday", "--since \"yesterday\"")]
    [InlineData("support-bundle edge-01 -o out.zip --since $(reboot)", "--since \"$(reboot)\"")]
    [InlineData("logs edge-01 edgeHub\n", "MODULE \"edgeHub\\n\"")]
    [InlineData("logs edge-01 --since 1d\n", "--since \"1d\\n\"")]
    public void Bad_guest_arguments_are_refused_before_anything_runs(string args, string named)
    {
        var words = System.Text.RegularExpressions.Regex.Matches(args, "'[^']*'|[^ ]+").Select(m => m.Value.Trim('\'')).ToArray();
        var (code, console) = Guest(words[0], words[1..]);
        Assert.Equal(2, code);
        Assert.Contains(named, console.Err, StringComparison.Ordinal);
        Assert.Empty(_guest.Commands);
        Assert.Equal(_setupStreams, _cluster.Server.PortForwardStreams);
    }

    [Fact]
    public void Support_bundle_brings_back_iotedges_bundle_the_converge_journal_health_and_the_objects_without_a_credential()
    {
        var file = Path.Combine(_folder, "edge-01-bundle.zip");
        _cluster.Server.ResetRequests();
        var (code, console) = Guest("support-bundle", "edge-01", "-o", file, "--since", "6h");
        Assert.True(code == 0, console.Err);
        Assert.Equal([file], Directory.GetFiles(_folder, "*edge-01-bundle.zip*"));
        using var zip = ZipFile.OpenRead(file);
        Assert.Equal(
            ["iotedge-support-bundle.zip", "kvedge-converge.log", "kvedge-health.json", "objects/virtualmachine-edge-01.json", "objects/virtualmachineinstance-edge-01.json",
             "objects/datavolume-edge-01-data.json", "objects/datavolume-edge-01-root.json"],
            zip.Entries.Select(e => e.FullName));
        string Read(string name)
        {
            using var reader = new StreamReader(zip.GetEntry(name)!.Open());
            return reader.ReadToEnd();
        }

        Assert.Equal("PK stand-in support bundle; args: support-bundle --output - --since 6h\n", Read("iotedge-support-bundle.zip"));
        Assert.Contains("-b -u kvedge-converge -u kvedge-apply", Read("kvedge-converge.log"), StringComparison.Ordinal);
        Assert.True(JsonNode.Parse(Read("kvedge-health.json"))!["healthy"]!.GetValue<bool>());
        var vm = JsonNode.Parse(Read("objects/virtualmachine-edge-01.json"))!;
        Assert.Null(vm["metadata"]!["managedFields"]);
        foreach (var entry in zip.Entries)
        {
            Assert.DoesNotContain("c2VjcmV0", Read(entry.FullName), StringComparison.Ordinal);
            Assert.DoesNotContain("SharedAccessKey", Read(entry.FullName), StringComparison.Ordinal);
        }

        // No Secret or ConfigMap was read for it, and nothing was written.
        Assert.DoesNotContain(_cluster.Server.Requests, r => r.Path.Contains("/secrets", StringComparison.Ordinal) || r.Path.Contains("/configmaps", StringComparison.Ordinal) || r.IsWrite);
    }

    [Fact]
    public void Support_bundle_writes_only_a_regular_file_and_replaces_one_only_with_force()
    {
        // A character device node the test makes (as root, which CI is) or else the machine's own /dev/null: either
        // must stay a device. Then a FIFO, a link to a file, a folder and an existing file without --force.
        var device = Path.Combine(_folder, "null");
        var made = Environment.UserName == "root" && ExternalTool.Run("mknod", [device, "c", "1", "3"]).ExitCode == 0;
        device = made ? device : "/dev/null";
        var fifo = Path.Combine(_folder, "fifo");
        Assert.Equal(0, ExternalTool.Run("mkfifo", [fifo]).ExitCode);
        var existing = Path.Combine(_folder, "existing.zip");
        File.WriteAllText(existing, "keep me");
        var link = Path.Combine(_folder, "link.zip");
        File.CreateSymbolicLink(link, existing);
        _cluster.Server.ResetRequests();
        foreach (var (target, said) in new[] { (device, "is a character device, not a regular file"), (fifo, "is a FIFO, not a regular file"), (link, "is a symbolic link, not a regular file"), (_folder, "is a folder, not a regular file"), (existing, "exists; give --force to replace it") })
        {
            var (code, console) = Guest("support-bundle", "edge-01", "-o", target);
            Assert.True(code == 2, $"{target}: {code} {console.Err}");
            Assert.Contains(said, console.Err, StringComparison.Ordinal);
        }

        Assert.Equal(Core.Files.PathKind.CharacterDevice, Core.Files.PathKinds.Of(device));
        Assert.Equal(Core.Files.PathKind.Fifo, Core.Files.PathKinds.Of(fifo));
        Assert.Equal("keep me", File.ReadAllText(existing));
        Assert.Equal(existing, File.ResolveLinkTarget(link, returnFinalTarget: false)!.FullName);
        Assert.Empty(_guest.Commands);
        Assert.Empty(_cluster.Server.Requests);

        var (forced, forcedConsole) = Guest("support-bundle", "edge-01", "-o", existing, "--force");
        Assert.True(forced == 0, forcedConsole.Err);
        using (var zip = ZipFile.OpenRead(existing))
        {
            Assert.NotEmpty(zip.Entries);
        }

        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(existing) == (UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.Empty(Directory.GetFiles(_folder, ".existing.zip.*"));
    }

    [Fact]
    public void Status_shows_IoT_Edge_health_from_readiness_and_with_health_from_the_guest()
    {
        var (code, console) = Kvedge("status");
        Assert.True(code == 0, console.Err);
        Assert.Contains("IOTEDGE", console.Out, StringComparison.Ordinal);
        Assert.Contains("edge-01   Running   True    healthy   ", console.Out, StringComparison.Ordinal);

        var (fresh, table) = Kvedge("status", "--health", "-l", StandInGuestSshd.User, "--identity", _guest.ClientKey);
        Assert.True(fresh == 0, table.Err);
        Assert.Contains("edge-01   Running   True    healthy, no deployment yet   ", table.Out, StringComparison.Ordinal);

        _guest.Deployed();
        _guest.SetModule("edgeHub", "stopped");
        var (health, withHealth) = Kvedge("status", "--health", "-o", "json", "-l", StandInGuestSshd.User, "--identity", _guest.ClientKey);
        Assert.True(health == 0, withHealth.Err);
        var item = JsonNode.Parse(withHealth.Out)!["items"]![0]!;
        Assert.Equal("failed: edgeHub is stopped", item["iotEdge"]!.GetValue<string>());
        Assert.False(item["health"]!["healthy"]!.GetValue<bool>());
    }

    [Fact]
    public void Ssh_prints_the_command_through_the_API_server_and_via_service_needs_a_Service()
    {
        var (code, console) = Kvedge("ssh", "edge-01", "--print");
        Assert.True(code == 0, console.Err);
        Assert.StartsWith("ssh -o 'ProxyCommand=", console.Out, StringComparison.Ordinal);
        Assert.Contains("port-forward --stdio -n factory-a --kubeconfig " + _cluster.Kubeconfig + " edge-01 22", console.Out, StringComparison.Ordinal);
        Assert.EndsWith($"-- azureuser@vmi/edge-01.factory-a\n", console.Out, StringComparison.Ordinal);

        var (service, viaService) = Kvedge("ssh", "edge-01", "--via", "service", "--print");
        Assert.Equal(1, service);
        Assert.Contains("has no Service edge-01", viaService.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void Ssh_runs_a_session_through_the_API_server()
    {
        var session = TestConsole.RunWith("echo session-$((6 * 7))\nexit 3\n", new Dictionary<string, string> { ["HOME"] = _folder },
            ["ssh", "edge-01", "-l", StandInGuestSshd.User, "-i", _guest.ClientKey, "--kubeconfig", _cluster.Kubeconfig]);
        Assert.Equal(3, session.Code);
        Assert.Contains("session-42", session.Console.Out, StringComparison.Ordinal);
        Assert.Contains("<login shell>", _guest.Commands);
    }

    [Fact]
    public void A_guest_whose_port_refuses_is_an_error_that_says_so_and_a_stopped_device_is_refused_before_ssh()
    {
        _cluster.Server.MapGuestPort("factory-a", "edge-01", 22, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1));
        var (code, console) = Guest("health", "edge-01");
        Assert.True(code == 1, console.Err);
        Assert.Contains("cannot reach the guest over SSH", console.Err, StringComparison.Ordinal);
        // virt-api dialled the guest before the upgrade and answered 500: said as what it likely means.
        Assert.Contains("virt-api could not connect to factory-a/edge-01 port 22 (500): nothing listens there yet", console.Err, StringComparison.Ordinal);

        _cluster.Server.Store.Remove(ResourceType.VirtualMachineInstance, "factory-a", "edge-01");
        var (stopped, refused) = Guest("exec", "edge-01", "--", "true");
        Assert.True(stopped == 1, refused.Err);
        Assert.Contains("device factory-a/edge-01 is not running", refused.Err, StringComparison.Ordinal);

        var (absent, notFound) = Guest("exec", "edge-02", "--", "true");
        Assert.Equal(1, absent);
        Assert.Contains("device factory-a/edge-02 not found", notFound.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Port_forward_listens_on_a_local_port_and_carries_each_connection_to_the_guest()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // A real process, stopped as a user stops it (it forwards until interrupted).
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "kvedge.dll"), "port-forward", "edge-01", ":22", "--kubeconfig", _cluster.Kubeconfig })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        try
        {
            var line = await process.StandardError.ReadLineAsync(cts.Token);
            Assert.StartsWith("Forwarding from 127.0.0.1:", line, StringComparison.Ordinal);
            var port = int.Parse(line!.Split(':')[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < 2; i++)
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(System.Net.IPAddress.Loopback, port, cts.Token);
                var banner = new byte[64];
                var read = await client.GetStream().ReadAsync(banner, cts.Token);
                Assert.StartsWith("SSH-2.0-OpenSSH", System.Text.Encoding.ASCII.GetString(banner, 0, read), StringComparison.Ordinal);
            }

            Assert.False(process.HasExited);
            Assert.True(_cluster.Server.PortForwardStreams >= _setupStreams + 2);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }

    [Fact]
    public void Port_forward_asks_for_the_device_before_it_listens()
    {
        var (code, console) = Kvedge("port-forward", "edge-99", ":22");
        Assert.NotEqual(0, code);
        Assert.Contains("device factory-a/edge-99 not found (no VirtualMachine edge-99)", console.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("Forwarding from", console.Err, StringComparison.Ordinal);
        Assert.Equal(_setupStreams, _cluster.Server.PortForwardStreams);
    }

    [Fact]
    public async Task Port_forward_warns_when_it_listens_beyond_loopback()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Listening only (no connection is made to it): the warning comes before the "Forwarding from" line.
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "kvedge.dll"), "port-forward", "edge-01", ":22", "--address", "0.0.0.0", "--kubeconfig", _cluster.Kubeconfig })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        try
        {
            var warning = await process.StandardError.ReadLineAsync(cts.Token);
            Assert.Equal("warning: --address 0.0.0.0 is not a loopback address: anyone who can reach this machine can reach factory-a/edge-01:22 through it, with your cluster credentials", warning);
            Assert.StartsWith("Forwarding from 0.0.0.0:", await process.StandardError.ReadLineAsync(cts.Token), StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }
}
