using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Spec;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Rendering.IotEdge;

/// <summary>The converge program's decisions, one boot at a time, on the exact disks the renderer produces.</summary>
public sealed class ConvergeProgramTests : IDisposable
{
    private readonly ConvergeSandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static EdgeDevice Device(string name) => ConvergeSandbox.Mode(name);

    private static string Lines(string text, string prefix) =>
        string.Join('\n', text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)));

    /// <summary>The real (not simulated) `apt-get install` calls, in order.</summary>
    private static string[] Installs(string calls) =>
        [.. calls.Split('\n').Where(l => l.StartsWith("apt-get ", StringComparison.Ordinal) && l.Contains(" install ", StringComparison.Ordinal) && !l.Contains(" -s ", StringComparison.Ordinal))];

    private static int Index(string calls, string line) =>
        Array.FindIndex(calls.Split('\n'), l => l.StartsWith(line, StringComparison.Ordinal));

    private ToolResult Boot() => _box.Boot();

    [Fact]
    public void Apt_goes_through_the_specs_proxy_before_any_package_and_the_setting_goes_with_the_proxy()
    {
        // A proxy-only site: without apt's own proxy setting nothing installs, not even the guest agent.
        var device = Device("mode-cs");
        device.Spec.IotEdge!.Proxy = new ProxySpec
        {
            HttpsProxy = "http://proxy.factory-a.example:3128",
            NoProxy = ["localhost", "10.0.0.5", "repo.factory-a.example:8080", ".svc.cluster.local", "*.corp.example", "10.0.0.0/8", "::1", "[fd00::1]:443"],
        };
        _box.Attach(device);
        var first = Boot();
        var conf = Path.Combine(_box.Root, "etc/apt/apt.conf.d/80kvedge-proxy");
        Assert.Equal("""
            // Written by kvedge-converge from spec.iotEdge.proxy: apt goes through the proxy.
            Acquire::http::Proxy "http://proxy.factory-a.example:3128";
            Acquire::https::Proxy "http://proxy.factory-a.example:3128";
            Acquire::http::Proxy::localhost "DIRECT";
            Acquire::https::Proxy::localhost "DIRECT";
            Acquire::http::Proxy::10.0.0.5 "DIRECT";
            Acquire::https::Proxy::10.0.0.5 "DIRECT";
            Acquire::http::Proxy::repo.factory-a.example "DIRECT";
            Acquire::https::Proxy::repo.factory-a.example "DIRECT";

            """, File.ReadAllText(conf));
        var log = first.StdOut.Split('\n');
        Assert.InRange(Array.FindIndex(log, l => l.EndsWith("changed: apt proxy settings", StringComparison.Ordinal)), 0, Array.FindIndex(log, l => l.Contains("qemu-guest-agent", StringComparison.Ordinal)));

        // The same spec again: nothing to change. "*" in noProxy: no proxy for apt at all.
        _box.Reboot();
        Assert.DoesNotContain("apt proxy settings", Boot().StdOut, StringComparison.Ordinal);
        device.Spec.IotEdge.Proxy.NoProxy = ["*"];
        _box.Attach(device);
        _box.Reboot();
        Assert.Contains("changed: apt proxy settings removed", Boot().StdOut, StringComparison.Ordinal);
        Assert.False(File.Exists(conf));

        device.Spec.IotEdge.Proxy.NoProxy = [];
        _box.Attach(device);
        _box.Reboot();
        Boot();
        Assert.Contains("Acquire::http::Proxy \"http://proxy.factory-a.example:3128\";\n", File.ReadAllText(conf), StringComparison.Ordinal);
        device.Spec.IotEdge.Proxy = null;
        _box.Attach(device);
        _box.Reboot();
        Assert.Contains("changed: apt proxy settings removed", Boot().StdOut, StringComparison.Ordinal);
        Assert.False(File.Exists(conf));
    }

    [Fact]
    public void First_boot_formats_installs_in_order_writes_config_and_applies_it()
    {
        var device = Device("mode-cs");
        _box.Attach(device);
        var output = Boot();

        var calls = _box.Calls;
        Assert.Contains("mkfs.ext4 -q -L kvedge-data", calls, StringComparison.Ordinal);
        // The guest agent first (a stock image has none, and KubeVirt's AgentConnected waits for it), then the pins.
        var installs = Installs(calls);
        Assert.Equal(3, installs.Length);
        Assert.EndsWith(" qemu-guest-agent", installs[0], StringComparison.Ordinal);
        // moby's transaction carries its pinned dependencies: apt would otherwise take the newest it lists (2.0.0).
        Assert.EndsWith(" moby-containerd=1.7.23-ubuntu24.04u1 moby-runc=1.1.14-ubuntu24.04u1 moby-engine=27.3.1-ubuntu24.04u1", installs[1], StringComparison.Ordinal);
        Assert.EndsWith(" aziot-identity-service=1.6.0-1 aziot-edge=1.6.0-1", installs[2], StringComparison.Ordinal);
        Assert.Contains("systemctl start --no-block qemu-guest-agent.service", calls, StringComparison.Ordinal);
        Assert.Contains("apt-mark hold moby-containerd moby-runc moby-engine aziot-identity-service aziot-edge", calls, StringComparison.Ordinal);

        // The IoT Edge repository alone could not resolve the distribution's dependencies: every list was refreshed.
        var fullUpdate = Array.IndexOf(calls.Split('\n'), "apt-get -o DPkg::Lock::Timeout=600 update -q");
        Assert.InRange(fullUpdate, Index(calls, "apt-get -o DPkg::Lock::Timeout=600 update -q -o Dir::Etc::sourcelist=sources.list.d/kvedge-iotedge.list") + 1, Index(calls, "apt-get -o DPkg::Lock::Timeout=600 install -y") - 1);
        Assert.Contains("refreshing every package list", output.StdOut, StringComparison.Ordinal);

        // The aziot users exist, with their fixed IDs, before any package could create them with free ones.
        Assert.True(Index(calls, "useradd --system --uid 481 --gid aziotks") < Index(calls, "apt-get -o DPkg::Lock::Timeout=600 install -y"));
        Assert.Contains("aziotks:x:481:481:", _box.Accounts("passwd"), StringComparison.Ordinal);
        Assert.Contains("iotedge:x:485:485:", _box.Accounts("passwd"), StringComparison.Ordinal);
        Assert.Contains("aziotid:x:483:iotedge\n", _box.Accounts("group"), StringComparison.Ordinal);

        // No maintainer script may start a service during the install (it would wait on this unit), and none is left blocked after.
        Assert.Equal(3, calls.Split('\n').Count(l => l == "policy-rc.d present"));
        Assert.False(File.Exists(Path.Combine(_box.Root, "usr/sbin/policy-rc.d")));
        Assert.Contains("systemctl start --no-block docker.service", calls, StringComparison.Ordinal);
        Assert.Contains("iotedge config apply -c /etc/aziot/config.toml", calls, StringComparison.Ordinal);
        Assert.DoesNotContain("reprovision", calls, StringComparison.Ordinal);

        // The guest's config.toml is what `kvedge config-toml --show-secrets` prints, root-only.
        var config = Path.Combine(_box.Root, "etc/aziot/config.toml");
        var expected = ConfigTomlRenderer.Resolve(ConfigTomlRenderer.RenderTemplate(device), DeviceCredentials.Values(device.Spec.IotEdge!), showSecrets: true);
        Assert.Equal(expected, File.ReadAllText(config));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));

        var fstab = File.ReadAllText(Path.Combine(_box.Root, "etc/fstab"));
        Assert.Contains("/dev/disk/by-id/virtio-kvedge-data /var/lib/kvedge-data ext4 defaults,nofail", fstab, StringComparison.Ordinal);
        Assert.Contains("/var/lib/kvedge-data/aziot /var/lib/aziot none bind", fstab, StringComparison.Ordinal);
        Assert.Contains("/var/lib/kvedge-data/docker", File.ReadAllText(Path.Combine(_box.Root, "etc/docker/daemon.json")), StringComparison.Ordinal);
        Assert.Contains("converged in", output.StdOut, StringComparison.Ordinal);
        foreach (var secret in TestCredentials.SecretFragments())
        {
            Assert.DoesNotContain(secret, output.StdOut + output.StdErr + calls, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_newer_program_on_the_config_disk_replaces_the_installed_one_and_runs_this_boot()
    {
        var current = GuestFiles.Read(GuestFiles.Converge);
        // An older release: the same program, but it says so in every log line, so which one ran is visible.
        _box.InstallProgram(current.Replace("log() { printf 'kvedge-converge: %s\\n'", "log() { printf 'kvedge-converge (old): %s\\n'", StringComparison.Ordinal));
        Assert.NotEqual(current, File.ReadAllText(_box.Script));
        _box.Attach(Device("mode-cs"));

        var first = _box.Run();
        Assert.True(first.ExitCode == 0, first.StdOut + first.StdErr);
        Assert.Contains("kvedge-converge (old): a new version of this program is on the config disk: running it\n", first.StdOut, StringComparison.Ordinal);
        Assert.Contains("kvedge-converge: changed: the converge program (a new version from the config disk)\n", first.StdOut, StringComparison.Ordinal);
        Assert.Matches(@"kvedge-converge: converged in \d+s: \d+ change\(s\)\n$", first.StdOut);
        Assert.Single(first.StdOut.Split('\n'), l => l.StartsWith("kvedge-converge (old):", StringComparison.Ordinal));
        Assert.Equal(current, File.ReadAllText(_box.Script));
        Assert.True(File.GetUnixFileMode(_box.Script).HasFlag(UnixFileMode.UserExecute));

        _box.Reboot();
        var second = _box.Run();
        Assert.True(second.ExitCode == 0, second.StdOut + second.StdErr);
        Assert.DoesNotContain("a new version", second.StdOut, StringComparison.Ordinal);
        Assert.Contains("no changes", second.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Changed_units_on_the_config_disk_are_installed_and_systemd_reloaded()
    {
        _box.InstallUnit(GuestFiles.ConvergeUnit, GuestFiles.Read(GuestFiles.ConvergeUnit).Replace("TimeoutStartSec=45min", "TimeoutStartSec=10min", StringComparison.Ordinal));
        _box.Attach(Device("mode-cs"));
        var output = _box.Run();
        Assert.True(output.ExitCode == 0, output.StdOut + output.StdErr);
        Assert.Contains("kvedge-converge: changed: kvedge-converge.service (a new version from the config disk)\n", output.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("kvedge-apply.service (a new version", output.StdOut, StringComparison.Ordinal);
        Assert.Equal(GuestFiles.Read(GuestFiles.ConvergeUnit), File.ReadAllText(_box.UnitPath(GuestFiles.ConvergeUnit)));
        Assert.Contains("systemctl daemon-reload", _box.Calls, StringComparison.Ordinal);

        _box.Reboot();
        Assert.True(_box.Run().ExitCode == 0);
        Assert.DoesNotContain("daemon-reload", _box.Calls, StringComparison.Ordinal);
    }

    [Fact]
    public void Second_boot_with_nothing_changed_changes_nothing()
    {
        _box.Attach(Device("mode-cs"));
        Boot();
        _box.Reboot();
        var second = Boot();

        var calls = _box.Calls;
        Assert.DoesNotContain("mkfs", calls, StringComparison.Ordinal);
        Assert.DoesNotContain("apt-get", calls, StringComparison.Ordinal);
        Assert.DoesNotContain("iotedge config", calls, StringComparison.Ordinal);
        Assert.DoesNotContain("useradd", calls, StringComparison.Ordinal);
        Assert.DoesNotContain("usermod", calls, StringComparison.Ordinal);
        Assert.Contains("converged in", second.StdOut, StringComparison.Ordinal);
        Assert.Contains(": no changes", second.StdOut, StringComparison.Ordinal);
        Assert.Contains("nothing to apply", second.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void A_changed_credential_reapplies_and_dps_registers_again()
    {
        var device = Device("mode-dps-key");
        _box.Attach(device);
        Boot();
        _box.Reboot();

        device.Spec.IotEdge!.Credentials.SymmetricKey = Convert.ToBase64String(new byte[32]);
        _box.Attach(device);
        var output = Boot();
        var calls = _box.Calls;
        Assert.Contains("changed: /etc/aziot/config.toml", output.StdOut, StringComparison.Ordinal);
        Assert.Contains("iotedge config apply", calls, StringComparison.Ordinal);
        Assert.Contains("iotedge system reprovision", calls, StringComparison.Ordinal);
        Assert.Empty(Installs(calls));
    }

    [Fact]
    public void A_new_IoT_Hub_identity_moves_the_old_stores_aside_and_a_new_key_does_not()
    {
        var device = Device("mode-sas");
        _box.Attach(device);
        Boot();
        var data = Path.Combine(_box.Root, "var/lib/kvedge-data");
        File.WriteAllText(Path.Combine(data, "edgeHub", "store.db"), "queued");

        // A new key for the same device: the same identity, its store stays where edgeHub reads it.
        _box.Reboot();
        device.Spec.IotEdge!.Credentials.SymmetricKey = Convert.ToBase64String(new byte[32]);
        _box.Attach(device);
        var rekeyed = Boot();
        Assert.Contains("iotedge config apply", _box.Calls, StringComparison.Ordinal);
        Assert.DoesNotContain("moved aside", rekeyed.StdOut, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(data, "edgeHub", "store.db")));

        // Registered again under another device id: edgeHub starts on an empty store; the old one is kept beside it.
        _box.Reboot();
        device.Spec.IotEdge!.Provisioning.DeviceId = "mode-sas-2";
        _box.Attach(device);
        var moved = Boot();
        Assert.Contains("changed: edgeHub's store moved aside to /var/lib/kvedge-data/edgeHub.previous-", moved.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("edgeAgent's store moved", moved.StdOut, StringComparison.Ordinal); // empty: nothing to keep
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(data, "edgeHub")));
        var aside = Assert.Single(Directory.EnumerateDirectories(data, "edgeHub.previous-*"));
        Assert.Equal("queued", File.ReadAllText(Path.Combine(aside, "store.db")));
        Assert.True(Index(_box.Calls, "iotedge config apply") >= 0);

        _box.Reboot();
        var again = Boot();
        Assert.DoesNotContain("moved aside", again.StdOut, StringComparison.Ordinal);
        Assert.Single(Directory.EnumerateDirectories(data, "edgeHub.previous-*"));
    }

    [Fact]
    public void An_existing_filesystem_is_never_formatted()
    {
        File.WriteAllText(Path.Combine(_box.Dir, "disks", "virtio-kvedge-data.fstype"), "ext4\n");
        _box.Attach(Device("mode-cs"));
        Boot();
        Assert.DoesNotContain("mkfs", _box.Calls, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_repository_fails_clearly_and_the_next_boot_completes()
    {
        _box.Attach(Device("mode-cs"));
        _box.RepositoryDown(true);
        var first = _box.Run();
        Assert.Equal(1, first.ExitCode);
        Assert.Contains("ERROR: cannot reach the package repository https://packages.microsoft.com/ubuntu/24.04/prod", first.StdOut, StringComparison.Ordinal);
        Assert.Empty(Installs(_box.Calls));

        _box.Reboot();
        _box.RepositoryDown(false);
        Boot();
        Assert.Equal("1.6.0-1", _box.Installed("aziot-edge"));
        Assert.Contains("iotedge config apply", _box.Calls, StringComparison.Ordinal);
    }

    [Fact]
    public void Lists_older_than_the_mirror_are_refreshed_after_a_404_and_the_install_retried_in_the_same_run()
    {
        _box.Attach(Device("mode-cs"));
        _box.StaleLists();
        var output = Boot();

        Assert.Contains("a package file is gone from its mirror (the lists are older than it): refreshing every package list", output.StdOut, StringComparison.Ordinal);
        var calls = _box.Calls.Split('\n');
        var failed = Array.FindIndex(calls, l => l.StartsWith("apt-get -o DPkg::Lock::Timeout=600 install -y", StringComparison.Ordinal));
        var refreshed = Array.FindIndex(calls, failed + 1, l => l == "apt-get -o DPkg::Lock::Timeout=600 update -q");
        var retried = Array.FindIndex(calls, refreshed + 1, l => l == calls[failed]);
        Assert.True(failed >= 0 && refreshed > failed && retried > refreshed, string.Join('\n', calls));
        Assert.Equal("1.6.0-1", _box.Installed("aziot-edge"));
    }

    [Fact]
    public void A_repository_signed_by_another_key_is_said_as_such_at_once_not_as_unreachable()
    {
        _box.Attach(Device("mode-cs"));
        _box.RepositorySignedByAnotherKey();
        var first = _box.Run();
        Assert.Equal(1, first.ExitCode);
        Assert.Contains("ERROR: the package repository https://packages.microsoft.com/ubuntu/24.04/prod is not signed by the key kvedge gave apt (NO_PUBKEY 9B307872E54194CA): IoT Edge is not installed yet. Check spec.iotEdge.packageRepository.signingKey", first.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot reach", first.StdOut, StringComparison.Ordinal);
        // Retrying in the run cannot change a signature: no waits.
        Assert.DoesNotContain("attempt 2", first.StdOut, StringComparison.Ordinal);
        Assert.Empty(Installs(_box.Calls));
    }

    [Fact]
    public void A_pinned_version_missing_from_the_repository_is_named_with_what_exists()
    {
        _box.Repository("aziot-edge", "1.5.21-1");
        _box.Attach(Device("mode-cs"));
        var result = _box.Run();
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("aziot-edge 1.6.0 is not in https://packages.microsoft.com/ubuntu/24.04/prod (it has: 1.5.21-1 )", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void A_new_pinned_version_upgrades_only_what_changed()
    {
        var device = Device("mode-cs");
        _box.Attach(device);
        Boot();
        _box.Reboot();
        device.Spec.IotEdge!.MobyEngineVersion = "26.1.4";
        _box.Attach(device);
        Boot();
        var installs = Installs(_box.Calls);
        Assert.EndsWith(" moby-engine=26.1.4-ubuntu24.04u1", Assert.Single(installs), StringComparison.Ordinal);

        // A dependency's pin moves it alone; it stays held with the others.
        _box.Reboot();
        device.Spec.IotEdge!.MobyContainerdVersion = "2.0.0";
        _box.Attach(device);
        var before = _box.Calls.Length;
        Boot();
        Assert.EndsWith(" moby-containerd=2.0.0-ubuntu24.04u1", Assert.Single(Installs(_box.Calls[before..])), StringComparison.Ordinal);
        Assert.Contains("apt-mark hold moby-containerd moby-runc moby-engine aziot-identity-service aziot-edge", _box.Calls[before..], StringComparison.Ordinal);
    }

    [Fact]
    public void X509_material_lands_with_aziots_permissions()
    {
        _box.Attach(Device("mode-x509"));
        Boot();
        var key = Path.Combine(_box.Root, "var/aziot/secrets/kvedge-identity.key.pem");
        Assert.Equal(TestCredentials.Read("edge-x509.key.pem"), File.ReadAllText(key));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Contains("chown aziotks:aziotks " + key, _box.Calls, StringComparison.Ordinal);
        Assert.Contains("chown aziotcs:aziotcs " + Path.Combine(_box.Root, "var/aziot/certs/kvedge-identity.pem"), _box.Calls, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_apply_is_retried_at_the_next_boot()
    {
        _box.Attach(Device("mode-cs"));
        Assert.Equal(0, _box.Run().ExitCode);
        File.WriteAllText(Path.Combine(_box.Dir, "apply-rc"), "1");
        Assert.Equal(1, _box.Run("--apply").ExitCode);
        _box.Reboot();
        File.WriteAllText(Path.Combine(_box.Dir, "apply-rc"), "0");
        Boot();
        Assert.Contains("iotedge config apply", _box.Calls, StringComparison.Ordinal);
    }

    [Fact]
    public void A_credential_that_cannot_go_into_toml_is_named_not_shown()
    {
        var device = Device("mode-cs");
        _box.Attach(device);
        File.WriteAllText(Path.Combine(_box.Dir, "disks", "virtio-kvedge-creds", "connection-string"), "HostName=a\"b;DeviceId=x;SharedAccessKey=c2VjcmV0\n");
        var result = _box.Run();
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("credential connection-string holds characters that cannot go into config.toml", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", result.StdOut + result.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bake_installs_the_pinned_packages_and_nothing_device_specific()
    {
        _box.Attach(Device("mode-dps-tpm"));
        File.Delete(Path.Combine(_box.Root, "dev/disk/by-id/virtio-kvedge-data"));
        var result = _box.Run("--bake");
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
        Assert.Equal("1.6.0-1", _box.Installed("aziot-edge"));
        Assert.False(File.Exists(Path.Combine(_box.Root, "etc/aziot/config.toml")));
        Assert.DoesNotContain("mkfs", _box.Calls, StringComparison.Ordinal);
    }

    [Fact]
    public void A_verbatim_config_toml_is_used_as_given()
    {
        _box.Attach(Device("mode-verbatim"));
        Boot();
        Assert.Equal(TestCredentials.Environment["KVEDGE_TEST_CONFIG_TOML"], File.ReadAllText(Path.Combine(_box.Root, "etc/aziot/config.toml")));
        Assert.Contains("iotedge config apply", _box.Calls, StringComparison.Ordinal);
    }
}
