using KVEdge.Core.Actions;
using KVEdge.Core.Images.Bake;

namespace KVEdge.Core.Tests.Actions;

/// <summary>`kvedge image bake`'s option checks without the CLI (the bake itself runs in the e2e harness).</summary>
public sealed class ImageBakeActionTests
{
    private static ImageBakeOptions Options(string baseImage = "/nonexistent/base.qcow2", string tag = "localhost/edge/baked:1", string? layout = null, bool push = false,
        string timeout = "30m", AcceleratorChoice accel = AcceleratorChoice.Auto, string? kernel = null, string? outputDisk = null) =>
        new(baseImage, tag, layout, push, false, "amd64", kernel, null, null, timeout, 2048, outputDisk, accel, "/tmp/kvedge-test-cache");

    [Fact]
    public void Every_problem_with_the_options_is_reported_at_once()
    {
        var (bake, problems) = ImageBakeAction.Check(Options(tag: "Not A Tag", timeout: "soon", accel: AcceleratorChoice.Kvm, kernel: "/nonexistent/vmlinuz"), _ => false);
        Assert.Null(bake);
        Assert.Equal(6, problems.Count);
        Assert.StartsWith("--base: ", problems[0], StringComparison.Ordinal);
        Assert.Contains("give --oci-layout DIR, --push, or both", problems);
        Assert.Contains("--timeout soon: not a duration (examples: 20m, 1h)", problems);
        Assert.Contains("--accel kvm: this host has no /dev/kvm", problems);
        Assert.Contains("--kernel: /nonexistent/vmlinuz does not exist", problems);
    }

    [Theory]
    [InlineData("/dev/null", "a character device")]
    [InlineData("/tmp", "a folder")]
    public void An_output_disk_that_is_not_a_regular_file_is_refused_before_the_bake(string output, string kind)
    {
        var (_, problems) = ImageBakeAction.Check(Options(outputDisk: output), _ => false);
        Assert.Contains($"--output-disk \"{output}\" is {kind}, not a regular file; kvedge writes only regular files", problems);
    }
}
