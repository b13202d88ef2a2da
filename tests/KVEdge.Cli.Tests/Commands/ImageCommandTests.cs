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
    public void A_fifo_or_a_device_as_the_disk_is_refused_before_it_is_read()
    {
        var fifo = Path.Combine(_dir, "disk.fifo");
        Assert.Equal(0, ExternalTool.Run("mkfifo", [fifo]).ExitCode);
        foreach (var (disk, kind) in new[] { (fifo, "a FIFO"), ("/dev/zero", "a character device") })
        {
            var (code, c) = TestConsole.Run("image", "build", "--disk", disk, "--tag", "registry.example.com/edge/disk:1", "--oci-layout", Path.Combine(_dir, "layout"));
            Assert.Equal(ExitCodes.InvalidInput, code);
            Assert.Contains($"is {kind}, not a disk image file", c.Err, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(_dir, "layout")));
    }

    [Fact]
    public void A_layout_whose_blobs_folder_is_a_link_is_refused_and_nothing_is_written_through_it()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_dir, "elsewhere")).FullName;
        var layout = Directory.CreateDirectory(Path.Combine(_dir, "layout")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(layout, "blobs"), elsewhere);
        var (code, c) = TestConsole.Run("image", "build", "--disk", Qcow2(), "--tag", "registry.example.com/edge/disk:1", "--oci-layout", layout);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("blobs\" is a symbolic link, not a folder", c.Err, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
    }

    [Fact]
    public void An_index_json_that_is_a_link_is_not_written_through()
    {
        var layout = Path.Combine(_dir, "layout");
        Assert.Equal(ExitCodes.Success, TestConsole.Run("image", "build", "--disk", Qcow2(), "--tag", "registry.example.com/edge/disk:1", "--oci-layout", layout).Code);
        var victim = Path.Combine(_dir, "victim.json");
        File.WriteAllText(victim, "{}");
        File.Delete(Path.Combine(layout, "index.json"));
        File.CreateSymbolicLink(Path.Combine(layout, "index.json"), victim);
        var (code, c) = TestConsole.Run("image", "build", "--disk", Qcow2(), "--tag", "registry.example.com/edge/disk:2", "--oci-layout", layout);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("index.json\" is a symbolic link, not a regular file", c.Err, StringComparison.Ordinal);
        Assert.Equal("{}", File.ReadAllText(victim));
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

/// <summary>`image build --push` against Debian's docker-registry: the layer streams while it is built; an unchanged re-push sends nothing.</summary>
public sealed class ImagePushTests : IDisposable
{
    private readonly LocalRegistry _registry = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("kvedge-push-cli-").FullName;

    public void Dispose()
    {
        _registry.Dispose();
        Directory.Delete(_dir, true);
    }

    private (int Code, TestConsole Console) Push(string disk, string repository) =>
        TestConsole.RunWith("", new Dictionary<string, string> { ["XDG_CACHE_HOME"] = Path.Combine(_dir, "cache") },
            "image", "build", "--disk", disk, "--tag", $"{_registry.Host}/{repository}:v1", "--push", "--plain-http");

    [Fact]
    public void The_layer_streams_while_built_and_an_unchanged_re_push_uploads_nothing()
    {
        var disk = Path.Combine(_dir, "disk.qcow2");
        Assert.Equal(0, ExternalTool.Run(ExternalTool.Require("qemu-img"), ["create", "-q", "-f", "qcow2", disk, "64M"]).ExitCode);
        var raw = Path.Combine(_dir, "noise");
        File.WriteAllBytes(raw, System.Security.Cryptography.RandomNumberGenerator.GetBytes(40 << 20));
        Assert.Equal(0, ExternalTool.Run(ExternalTool.Require("qemu-img"), ["convert", "-q", "-f", "raw", "-O", "qcow2", raw, disk]).ExitCode);

        var (code, first) = Push(disk, "edge/streamed");
        Assert.Equal(0, code);
        var layer = System.Text.RegularExpressions.Regex.Match(first.Err, @"layer (sha256:[0-9a-f]{64}) \(([0-9,]+) bytes compressed\)");
        Assert.True(layer.Success, first.Err);
        var uploaded = System.Text.RegularExpressions.Regex.Match(first.Err, $@"pushed {_registry.Host}/edge/streamed:v1: ([0-9,]+) bytes uploaded, 0 blob\(s\) already there");
        Assert.True(uploaded.Success, first.Err);
        var layerBytes = long.Parse(layer.Groups[2].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        var sent = long.Parse(uploaded.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(sent - layerBytes, 1, 4096); // the streamed layer, plus the small config blob

        // The registry accepted the streamed upload under the digest computed at the end; skopeo verifies every blob.
        var pulled = Path.Combine(_dir, "pulled");
        var copy = ExternalTool.Run(ExternalTool.Require("skopeo"), ["copy", "-q", "--src-tls-verify=false", $"docker://{_registry.Host}/edge/streamed:v1", $"oci:{pulled}:v1"]);
        Assert.True(copy.ExitCode == 0, copy.StdErr);
        Assert.True(File.Exists(Path.Combine(pulled, "blobs", "sha256", layer.Groups[1].Value["sha256:".Length..])));

        var (again, second) = Push(disk, "edge/streamed");
        Assert.Equal(0, again);
        Assert.Contains($"layer {layer.Groups[1].Value} unchanged since it was last built", second.Err, StringComparison.Ordinal);
        Assert.Contains(": 0 bytes uploaded, 2 blob(s) already there", second.Err, StringComparison.Ordinal);
        Assert.Equal(first.Out, second.Out); // same manifest digest
    }

    [Fact]
    public void Image_operator_refuses_a_binary_that_is_not_a_NativeAOT_kvedge_and_says_everything_at_once()
    {
        // In-process here, so on the .NET runtime: not the binary the image carries.
        var (code, c) = TestConsole.Run("image", "operator", "--tag", "registry.example.com/kvedge/kvedge-operator:1", "--push");
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("--binary: this kvedge runs on the .NET runtime", c.Err, StringComparison.Ordinal);

        // The apphost next to kvedge.dll loads an installed .NET; a text file is no executable; and no destination.
        var apphost = Path.Combine(AppContext.BaseDirectory, "kvedge");
        (code, c) = TestConsole.Run("image", "operator", "--binary", apphost, "--tag", "registry.example.com/kvedge/kvedge-operator:1");
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("is a .NET apphost that needs an installed .NET runtime", c.Err, StringComparison.Ordinal);
        Assert.Contains("give --oci-layout DIR, --push, or both", c.Err, StringComparison.Ordinal);

        var notes = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(notes, "not a binary");
        (code, c) = TestConsole.Run("image", "operator", "--binary", notes, "--tag", "registry.example.com/kvedge/kvedge-operator:1", "--oci-layout", Path.Combine(_dir, "layout"));
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("is not an ELF executable", c.Err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "layout")));
        Assert.Empty(c.Out);
    }
}
