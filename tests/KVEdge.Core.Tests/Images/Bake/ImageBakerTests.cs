using KVEdge.Core.Images.Bake;
using KVEdge.Core.Rendering;
using KVEdge.Core.Tests.Rendering;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Images.Bake;

/// <summary>
/// The bake's control flow around the guest, with stand-in qemu programs and the real qemu-img and xorrisofs. The real
/// boot of a bake runs in tests/e2e.
/// </summary>
public sealed class ImageBakerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kvedge-baker-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RenderedDevice Device()
    {
        var spec = RenderFixtures.Render("tests/testdata/iotedge/modes.yaml").Specs.Single(s => s.Value.Metadata.Name == "mode-cs").Value;
        return DeviceRenderer.Render(spec, "factory-a");
    }

    // A stand-in qemu-system-x86_64: records its arguments, then runs BODY with $serial set to its -serial file.
    private ExternalTools Tools(string body)
    {
        var qemu = Path.Combine(_dir, "qemu-system-x86_64");
        File.WriteAllText(qemu, $$"""
            #!/bin/bash
            printf '%s\n' "$@" > "{{_dir}}/qemu-args"
            for a in "$@"; do case $a in file:*) serial=${a#file:} ;; esac; done
            {{body}}
            """);
        File.SetUnixFileMode(qemu, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new ExternalTools(qemu, ExternalTool.Require("qemu-img"), ExternalTool.Require("xorrisofs"));
    }

    private string BaseImage()
    {
        var disk = Path.Combine(_dir, "base.qcow2");
        Assert.Equal(0, ExternalTool.Run(ExternalTool.Require("qemu-img"), ["create", "-q", "-f", "qcow2", disk, "16M"]).ExitCode);
        return disk;
    }

    private BakeOptions Options(TimeSpan timeout, TimeSpan silence, Accelerator accel) =>
        new(BaseImage(), Path.Combine(_dir, "work"), timeout, Accelerator: accel, SilentLimit: silence);

    [Fact]
    public void A_guest_that_prints_nothing_fails_fast_and_names_the_accelerator()
    {
        var baker = new ImageBaker(Tools("sleep 60"), TextWriter.Null);
        var started = DateTime.UtcNow;
        var error = Assert.Throws<BakeException>(() => baker.Bake(Device(), Options(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(2), Accelerator.Kvm)));
        Assert.Equal("the guest printed nothing on its serial console in 2s (KVM): try --accel tcg, or check that the base image boots with its console on ttyS0 "
            + "(--kernel/--append for one without a boot loader)", error.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "the watchdog did not stop the silent guest");
        var args = File.ReadAllLines(Path.Combine(_dir, "qemu-args"));
        Assert.Equal(["-machine", "q35,accel=kvm", "-cpu", "host"], args[..4]);
    }

    [Fact]
    public void A_guest_that_talks_but_never_finishes_runs_into_the_timeout()
    {
        var baker = new ImageBaker(Tools("echo 'Linux version 6.1.0' > \"$serial\"; sleep 60"), TextWriter.Null);
        var error = Assert.Throws<BakeException>(() => baker.Bake(Device(), Options(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), Accelerator.Tcg)));
        Assert.StartsWith("the bake did not finish within 3s (serial console: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(["-machine", "q35,accel=tcg", "-cpu", "max"], File.ReadAllLines(Path.Combine(_dir, "qemu-args"))[..4]);
    }

    [Fact]
    public void A_guest_that_reports_a_failed_bake_is_a_failure_with_its_last_words()
    {
        var baker = new ImageBaker(Tools($"echo 'kvedge-converge: ERROR: cannot reach the package repository' > \"$serial\"; echo '{BakeUserData.Failed}' >> \"$serial\""), TextWriter.Null);
        var error = Assert.Throws<BakeException>(() => baker.Bake(Device(), Options(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30), Accelerator.Tcg)));
        Assert.StartsWith("the bake failed in the guest: kvedge-converge: ERROR: cannot reach the package repository (serial console: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_guest_that_reports_success_gives_a_compacted_disk()
    {
        var baker = new ImageBaker(Tools($"echo '{BakeUserData.Succeeded}' > \"$serial\""), TextWriter.Null);
        var result = baker.Bake(Device(), Options(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30), Accelerator.Tcg));
        Assert.True(File.Exists(result.Disk));
        Assert.Equal(0, ExternalTool.Run(ExternalTool.Require("qemu-img"), ["check", "-q", result.Disk]).ExitCode);
        Assert.False(File.Exists(Path.Combine(_dir, "work", "bake-overlay.qcow2")));
    }
}
