using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Spec;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Rendering.IotEdge;

/// <summary>
/// The converge program on what a stock Ubuntu cloud image and the real aziot packages do at first boot
/// (../shared/reference/stock-guest-behaviour.md): a held dpkg lock, empty distribution lists, a flaky repository,
/// system IDs that differ between images, release candidates that sort above the release, a TPM owned by root:tss.
/// </summary>
public sealed class ConvergeStockImageTests : IDisposable
{
    private readonly ConvergeSandbox _box = new();

    public void Dispose() => _box.Dispose();

    private static EdgeDevice Device(string name) => ConvergeSandbox.Mode(name);

    private static string[] AptCalls(string calls) =>
        [.. calls.Split('\n').Where(l => l.StartsWith("apt-get ", StringComparison.Ordinal))];

    private ToolResult Boot() => _box.Boot();

    [Fact]
    public void A_held_dpkg_lock_is_waited_for_and_every_apt_call_waits()
    {
        _box.HoldDpkgLock();
        _box.Attach(Device("mode-cs"));
        Boot();
        var calls = _box.Calls;
        Assert.Contains("waited for the dpkg lock", calls, StringComparison.Ordinal);
        Assert.Equal("1.6.0-1", _box.Installed("aziot-edge"));
        var apt = AptCalls(calls);
        Assert.NotEmpty(apt);
        Assert.All(apt, l => Assert.StartsWith("apt-get -o DPkg::Lock::Timeout=600 ", l, StringComparison.Ordinal));
    }

    [Fact]
    public void A_repository_that_fails_twice_then_answers_converges_in_the_same_run()
    {
        _box.RepositoryFails(2);
        _box.Attach(Device("mode-cs"));
        var output = Boot();
        Assert.Contains("kvedge-converge: apt-get update of https://packages.microsoft.com/ubuntu/24.04/prod failed; attempt 2 in 5s\n", output.StdOut, StringComparison.Ordinal);
        Assert.Contains("kvedge-converge: apt-get update of https://packages.microsoft.com/ubuntu/24.04/prod failed; attempt 3 in 15s\n", output.StdOut, StringComparison.Ordinal);
        Assert.Equal(["sleep 5", "sleep 15"], _box.Calls.Split('\n').Where(l => l.StartsWith("sleep ", StringComparison.Ordinal)));
        Assert.Equal("1.6.0-1", _box.Installed("aziot-edge"));
        Assert.Contains("iotedge config apply", _box.Calls, StringComparison.Ordinal);
    }

    [Fact]
    public void Past_the_retry_limit_the_run_fails_and_the_unit_restarts_it_with_a_bound()
    {
        _box.RepositoryFails(3);
        _box.Attach(Device("mode-cs"));
        var first = _box.Run();
        Assert.Equal(1, first.ExitCode);
        Assert.Contains("ERROR: cannot reach the package repository", first.StdOut, StringComparison.Ordinal);
        Assert.Equal(3, first.StdOut.Split('\n').Count(l => l.StartsWith("Err:1", StringComparison.Ordinal)));

        Assert.DoesNotContain("systemctl start --no-block kvedge-apply.service", _box.Calls, StringComparison.Ordinal);

        // systemd restarts the failed unit in the same boot (no reboot: /run and the mounts stay), and it converges.
        var unit = GuestFiles.Read(GuestFiles.ConvergeUnit);
        Assert.Contains("\nRestart=on-failure\n", unit, StringComparison.Ordinal);
        Assert.Contains("\nRestartSec=30s\n", unit, StringComparison.Ordinal);
        Assert.Contains("\nStartLimitIntervalSec=1h\nStartLimitBurst=20\n", unit, StringComparison.Ordinal);
        Assert.True(unit.IndexOf("StartLimitBurst", StringComparison.Ordinal) < unit.IndexOf("[Service]", StringComparison.Ordinal), "StartLimit* belong in [Unit]");
        var again = _box.Run();
        Assert.True(again.ExitCode == 0, again.StdOut + again.StdErr);
        Assert.Equal("1.6.0-1", _box.Installed("aziot-edge"));
        // kvedge-apply.service's job failed with the first run (Requires=): the successful run asks for it again.
        Assert.Contains("systemctl start --no-block kvedge-apply.service", _box.Calls, StringComparison.Ordinal);
        Assert.Equal(0, _box.Run("--apply").ExitCode);
        _box.Reboot();
        Assert.Equal(0, _box.Run().ExitCode);
        Assert.DoesNotContain("systemctl start --no-block kvedge-apply.service", _box.Calls, StringComparison.Ordinal); // nothing to apply
    }

    [Fact]
    public void The_distribution_lists_are_refreshed_only_when_the_narrow_update_cannot_resolve()
    {
        _box.Attach(Device("mode-cs"));
        File.WriteAllText(Path.Combine(_box.Dir, "installed", "qemu-guest-agent"), "1:8.2.2+ds-0ubuntu1\n");
        File.WriteAllText(Path.Combine(_box.Dir, "needs-distribution"), "");
        var output = Boot();
        Assert.DoesNotContain("refreshing every package list", output.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("apt-get -o DPkg::Lock::Timeout=600 update -q\n", _box.Calls, StringComparison.Ordinal);
        Assert.DoesNotContain(AptCalls(_box.Calls), l => l.Contains("qemu-guest-agent", StringComparison.Ordinal));
        Assert.Equal("1.6.0-1", _box.Installed("aziot-edge"));
    }

    [Fact]
    public void A_dependency_that_no_list_has_is_named()
    {
        _box.Attach(Device("mode-cs"));
        // Every update "succeeds", but the stock lists never learn the distribution's packages (no such mirror).
        var stub = Path.Combine(_box.Dir, "bin", "apt-get");
        File.WriteAllText(stub, File.ReadAllText(stub).Replace("[ -n \"$narrow\" ] || touch \"$T/lists-full\"", ":", StringComparison.Ordinal));
        var result = _box.Run();
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("kvedge-converge: ERROR: cannot install qemu-guest-agent moby-containerd=1.7.23-ubuntu24.04u1 moby-runc=1.1.14-ubuntu24.04u1 moby-engine=27.3.1-ubuntu24.04u1 aziot-identity-service=1.6.0-1 aziot-edge=1.6.0-1: The following packages have unmet", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("qemu-guest-agent : Depends: libtss2-esys-3.0.2-0 but it is not installable", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pin_never_matches_a_release_candidate_that_sorts_above_the_release()
    {
        // apt-cache madison lists the highest version first; dpkg sorts 1.6.0-rc.1-1 above 1.6.0-1.
        _box.Repository("aziot-edge", "1.6.0-rc.1-1", "1.6.0-1", "1.5.21-1");
        _box.Repository("aziot-identity-service", "1.6.0-rc.1-1", "1.6.0-1");
        _box.Attach(Device("mode-cs"));
        Boot();
        Assert.Equal("1.6.0-1", _box.Installed("aziot-edge"));
        Assert.Equal("1.6.0-1", _box.Installed("aziot-identity-service"));

        // And an RC that is installed (by hand, or by an older kvedge) is not "at the pin": the release replaces it.
        _box.Reboot();
        File.WriteAllText(Path.Combine(_box.Dir, "installed", "aziot-edge"), "1.6.0-rc.1-1\n");
        Boot();
        Assert.Equal("1.6.0-1", _box.Installed("aziot-edge"));
    }

    [Fact]
    public void A_tpm_device_gets_microsofts_udev_rule_and_the_tpm_is_handed_to_aziottpm()
    {
        _box.Attach(Device("mode-dps-tpm"));
        File.WriteAllText(Path.Combine(_box.Root, "dev/tpmrm0"), "");
        var output = Boot();
        var rules = File.ReadAllText(Path.Combine(_box.Root, "etc/udev/rules.d/tpmaccess.rules"));
        Assert.Contains("KERNEL==\"tpm0\", SUBSYSTEM==\"tpm\", OWNER=\"aziottpm\", MODE=\"0660\"\n", rules, StringComparison.Ordinal);
        Assert.Contains("KERNEL==\"tpmrm0\", SUBSYSTEM==\"tpmrm\", OWNER=\"aziottpm\", MODE=\"0660\"\n", rules, StringComparison.Ordinal);
        Assert.Contains("changed: TPM access for aziottpm", output.StdOut, StringComparison.Ordinal);
        var calls = _box.Calls;
        Assert.Contains("udevadm trigger --action=change --subsystem-match=tpm --subsystem-match=tpmrm", calls, StringComparison.Ordinal);
        // Before `iotedge config apply` starts aziot-tpmd.
        Assert.True(calls.IndexOf("udevadm trigger", StringComparison.Ordinal) < calls.IndexOf("iotedge config apply", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tpm_device_without_a_tpm_says_so_and_other_devices_get_no_rule()
    {
        _box.Attach(Device("mode-dps-tpm"));
        var output = Boot();
        Assert.Contains("WARNING: this VM has no TPM (/dev/tpmrm0)", output.StdOut, StringComparison.Ordinal);

        // The same VM made a connection-string device: the rule kvedge wrote goes.
        _box.Reboot();
        _box.Attach(Device("mode-cs"));
        var second = Boot();
        Assert.Contains("changed: TPM access rule removed", second.StdOut, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_box.Root, "etc/udev/rules.d/tpmaccess.rules")));
        Assert.DoesNotContain("udevadm", _box.Calls, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dps_device_whose_trust_bundle_changed_applies_without_reprovisioning()
    {
        var device = Device("mode-dps-tpm");
        _box.Attach(device);
        Boot();
        Assert.DoesNotContain("reprovision", _box.Calls, StringComparison.Ordinal);

        _box.Reboot();
        device.Spec.IotEdge!.TrustBundle = TestCredentials.Read("root-ca.pem");
        _box.Attach(device);
        var output = Boot();
        Assert.Contains("changed: trust bundle", output.StdOut, StringComparison.Ordinal);
        Assert.Contains("iotedge config apply", _box.Calls, StringComparison.Ordinal);
        Assert.DoesNotContain("reprovision", _box.Calls, StringComparison.Ordinal);

        // A changed registration is what reprovision is for.
        _box.Reboot();
        device.Spec.IotEdge!.Provisioning.RegistrationId = "another-registration";
        _box.Attach(device);
        var third = Boot();
        Assert.Contains("the DPS provisioning settings changed: registering again", third.StdOut, StringComparison.Ordinal);
        Assert.Contains("iotedge system reprovision", _box.Calls, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_that_kept_no_provisioning_record_is_not_reprovisioned()
    {
        // As left by a kvedge that reprovisioned on every change: applied.sha256 only.
        var device = Device("mode-dps-key");
        _box.Attach(device);
        Boot();
        File.Delete(Path.Combine(_box.Root, "var/lib/kvedge/provisioning.sha256"));
        _box.Reboot();
        device.Spec.IotEdge!.TrustBundle = TestCredentials.Read("root-ca.pem");
        _box.Attach(device);
        Boot();
        Assert.DoesNotContain("reprovision", _box.Calls, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_box.Root, "var/lib/kvedge/provisioning.sha256")));
    }

    [Fact]
    public void A_fixed_id_taken_on_this_image_falls_back_to_a_free_one()
    {
        _box.SetAccounts("passwd", _box.Accounts("passwd") + "_chrony:x:483:483::/var/lib/chrony:/usr/sbin/nologin\n");
        _box.SetAccounts("group", _box.Accounts("group") + "_chrony:x:483:\n");
        _box.Attach(Device("mode-cs"));
        var output = Boot();
        Assert.Contains("note: uid 483 is taken on this image; user aziotid gets a free one", output.StdOut, StringComparison.Ordinal);
        Assert.Contains("note: gid 483 is taken on this image; group aziotid got gid 998", output.StdOut, StringComparison.Ordinal);
        Assert.Contains("aziotid:x:998:998:", _box.Accounts("passwd"), StringComparison.Ordinal);
        Assert.Contains("aziotks:x:481:481:", _box.Accounts("passwd"), StringComparison.Ordinal);
    }

    [Fact]
    public void State_written_under_other_ids_is_moved_to_this_images_users_even_when_ids_swapped()
    {
        if (Environment.UserName != "root")
        {
            Assert.Fail("this test changes file owners to arbitrary IDs: run it as root (CI does)");
        }

        // The data disk of a VM re-created on another image: aziotks was 482 there, aziotcs 481 (swapped), aziotid 990.
        var state = Path.Combine(_box.Root, "var/lib/aziot");
        var files = new Dictionary<string, (int Uid, int Gid)>
        {
            ["keyd"] = (482, 482),
            ["keyd/keys/device-id.key"] = (482, 482),
            ["certd"] = (481, 481),
            ["certd/certs/device-id.pem"] = (481, 482),
            ["identityd"] = (990, 990),
            ["identityd/prev-state/device_info"] = (990, 990),
        };
        foreach (var (path, (uid, gid)) in files)
        {
            var full = Path.Combine(state, path);
            if (Path.HasExtension(path) || path.EndsWith("device_info", StringComparison.Ordinal))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                File.WriteAllText(full, "state");
            }
            else
            {
                Directory.CreateDirectory(full);
            }

            Chown(full, uid, gid);
        }

        foreach (var dir in new[] { "keyd/keys", "certd/certs", "identityd/prev-state" })
        {
            var parent = files[dir.Split('/')[0]];
            Chown(Path.Combine(state, dir), parent.Uid, parent.Gid);
        }

        _box.Attach(Device("mode-cs"));
        var output = Boot();
        Assert.Contains("changed: aziot state of user aziotks moved from uid 482 to 481", output.StdOut, StringComparison.Ordinal);
        Assert.Contains("changed: aziot state of user aziotcs moved from uid 481 to 482", output.StdOut, StringComparison.Ordinal);
        Assert.Contains("changed: aziot state of user aziotid moved from uid 990 to 483", output.StdOut, StringComparison.Ordinal);
        Assert.Equal((481, 481), Owner(Path.Combine(state, "keyd/keys/device-id.key")));
        Assert.Equal((482, 481), Owner(Path.Combine(state, "certd/certs/device-id.pem")));
        Assert.Equal((482, 482), Owner(Path.Combine(state, "certd")));
        Assert.Equal((483, 483), Owner(Path.Combine(state, "identityd/prev-state/device_info")));

        // Settled: the next boot moves nothing.
        _box.Reboot();
        var second = Boot();
        Assert.DoesNotContain("moved from", second.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Bake_creates_the_fixed_users_and_installs_the_guest_agent()
    {
        _box.Attach(Device("mode-cs"));
        var result = _box.Run("--bake");
        Assert.True(result.ExitCode == 0, result.StdOut + result.StdErr);
        Assert.Contains("aziottpm:x:484:484:", _box.Accounts("passwd"), StringComparison.Ordinal);
        Assert.StartsWith("1:", _box.Installed("qemu-guest-agent"), StringComparison.Ordinal);
        // The tools `kvedge tpm ek` runs, for whichever device the image becomes.
        Assert.Equal("1:7.2+dfsg-7", _box.Installed("tpm2-tools"));
    }

    [Fact]
    public void A_tpm_device_gets_tpm2_tools_from_the_distribution_with_the_guest_agent_and_other_devices_do_not()
    {
        _box.Attach(Device("mode-dps-tpm"));
        var output = Boot();
        Assert.Contains("changed: installed qemu-guest-agent tpm2-tools", output.StdOut, StringComparison.Ordinal);
        Assert.Equal("1:7.2+dfsg-7", _box.Installed("tpm2-tools"));
        // Once there, not installed again.
        var second = Boot();
        Assert.DoesNotContain("tpm2-tools", second.StdOut, StringComparison.Ordinal);

        using var other = new ConvergeSandbox();
        other.Attach(Device("mode-dps-key"));
        other.Boot();
        Assert.False(File.Exists(Path.Combine(other.Dir, "installed", "tpm2-tools")));
    }

    private static void Chown(string path, int uid, int gid)
    {
        var chown = ExternalTool.Require("chown", "/bin/chown");
        var r = ExternalTool.Run(chown, ["-h", $"{uid}:{gid}", path]);
        Assert.True(r.ExitCode == 0, r.StdErr);
    }

    private static (int Uid, int Gid) Owner(string path)
    {
        var stat = ExternalTool.Require("stat", "/usr/bin/stat");
        var parts = ExternalTool.Run(stat, ["-c", "%u %g", path]).StdOut.Trim().Split(' ');
        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
