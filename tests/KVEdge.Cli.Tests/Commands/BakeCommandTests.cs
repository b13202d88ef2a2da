using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

/// <summary>`kvedge image bake` up to the boot (the boot itself runs in tests/e2e, on the harness's guest image).</summary>
public sealed class BakeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kvedge-bake-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string File(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private string Spec(string extra = "iotEdge: {provisioning: {source: manual, method: connectionString}, credentials: {existingSecret: edge-01-iotedge}}") =>
        File("device.yaml", Specs.Minimal("edge-01", extra));

    private string Qcow2()
    {
        var disk = Path.Combine(_dir, "base.qcow2");
        Assert.Equal(0, ExternalTool.Run(ExternalTool.Require("qemu-img"), ["create", "-q", "-f", "qcow2", disk, "16M"]).ExitCode);
        return disk;
    }

    [Fact]
    public void Every_input_problem_is_reported_at_once_with_exit_2()
    {
        var notADisk = File("notes.txt", "hello");
        var (code, c) = TestConsole.Run("image", "bake", "--base", notADisk, "--tag", "Bad Tag", "--timeout", "soon", "--kernel", Path.Combine(_dir, "vmlinuz"), "-f", Spec());
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("--base:", c.Err, StringComparison.Ordinal);
        Assert.Contains("give --oci-layout DIR, --push, or both", c.Err, StringComparison.Ordinal);
        Assert.Contains("--timeout soon: not a duration", c.Err, StringComparison.Ordinal);
        Assert.Contains("--kernel: ", c.Err, StringComparison.Ordinal);
        Assert.Empty(c.Out);
    }

    [Fact]
    public void The_accelerator_is_one_of_auto_kvm_tcg()
    {
        var (code, c) = TestConsole.Run("image", "bake", "--base", Qcow2(), "--tag", "localhost/edge/baked:1", "--oci-layout", Path.Combine(_dir, "layout"),
            "--accel", "hvf", "-f", Spec());
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("Argument 'hvf' not recognized. Must be one of:", c.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "layout")));
    }

    [Fact]
    public void An_invalid_spec_is_refused_before_anything_boots()
    {
        var (code, c) = TestConsole.Run("image", "bake", "--base", Qcow2(), "--tag", "localhost/edge/baked:1", "--oci-layout", Path.Combine(_dir, "layout"),
            "-f", Spec("memory: lots"));
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("spec.memory", c.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "layout")));
    }

    [Fact]
    public void Missing_host_tools_are_named_with_what_to_install()
    {
        var (code, c) = TestConsole.RunWith("", new Dictionary<string, string> { ["PATH"] = _dir }, "image", "bake", "--base", Qcow2(),
            "--tag", "localhost/edge/baked:1", "--oci-layout", Path.Combine(_dir, "layout"), "-f", Spec());
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("qemu-system-x86_64 is not installed (Debian/Ubuntu: apt install qemu-system-x86)", c.Err, StringComparison.Ordinal);
        Assert.Contains("apt install xorriso", c.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_device_without_IoT_Edge_has_nothing_to_bake()
    {
        var (code, c) = TestConsole.Run("image", "bake", "--base", Qcow2(),
            "--tag", "localhost/edge/baked:1", "--oci-layout", Path.Combine(_dir, "layout"), "-f", File("plain.yaml", Specs.Minimal("edge-01")));
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("factory-a/edge-01 has no spec.iotEdge", c.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fleet_needs_the_device_named()
    {
        var fleet = File("fleet.yaml", Specs.Minimal("edge-01", "iotEdge: {provisioning: {source: manual, method: connectionString}, credentials: {existingSecret: s}}")
            + "\n---\n" + Specs.Minimal("edge-02", "iotEdge: {provisioning: {source: manual, method: connectionString}, credentials: {existingSecret: s}}"));
        var (code, c) = TestConsole.Run("image", "bake", "--base", Qcow2(), "--tag", "localhost/edge/baked:1", "--oci-layout", Path.Combine(_dir, "layout"), "-f", fleet);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("choose one with --device (factory-a/edge-01, factory-a/edge-02)", c.Err, StringComparison.Ordinal);
    }
}
