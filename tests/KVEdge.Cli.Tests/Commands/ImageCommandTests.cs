using System.Net;
using System.Net.Sockets;
using KVEdge.Testing;

namespace KVEdge.Cli.Tests.Commands;

public sealed class ImageCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kvedge-imgcli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Qcow2()
    {
        var disk = Path.Combine(_dir, "d.qcow2");
        Assert.Equal(0, ExternalTool.Run(ExternalTool.Require("qemu-img"), ["create", "-q", "-f", "qcow2", disk, "16M"]).ExitCode);
        return disk;
    }

    [Fact]
    public void Builds_an_oci_layout_and_prints_the_digest()
    {
        var (code, c) = TestConsole.Run("image", "build", "--disk", Qcow2(), "--tag", "registry.example.com/edge/disk:1", "--oci-layout", Path.Combine(_dir, "layout"));
        Assert.Equal(ExitCodes.Success, code);
        Assert.Matches("^registry.example.com/edge/disk@sha256:[0-9a-f]{64}\n$", c.Out);
        Assert.True(File.Exists(Path.Combine(_dir, "layout", "index.json")));
    }

    [Fact]
    public void A_file_that_is_not_a_disk_is_refused()
    {
        var notes = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(notes, "hello\n");
        var (code, c) = TestConsole.Run("image", "build", "--disk", notes, "--tag", "registry.example.com/edge/disk:1", "--oci-layout", Path.Combine(_dir, "layout"));
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("not a disk image", c.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "layout")));
    }

    [Fact]
    public void Nothing_to_do_is_a_usage_error()
    {
        var (code, c) = TestConsole.Run("image", "build", "--disk", Qcow2(), "--tag", "Bad Tag");
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("is not an image reference", c.Err, StringComparison.Ordinal);
        Assert.Contains("give --oci-layout DIR, --push, or both", c.Err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_registry_fails_with_one_line()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var (code, c) = TestConsole.Run("image", "build", "--disk", Qcow2(), "--tag", $"127.0.0.1:{port}/edge/disk:1", "--push", "--plain-http");
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains($"cannot reach 127.0.0.1:{port}", c.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", c.Err, StringComparison.Ordinal);
        Assert.Equal("", c.Out);
    }
}
