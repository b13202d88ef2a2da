using KVEdge.Core.Images;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Images;

public sealed class DiskImageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kvedge-disk-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Path_(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Qcow2_made_by_qemu_img_is_recognised()
    {
        var file = Path_("d.qcow2");
        Assert.Equal(0, ExternalTool.Run(ExternalTool.Require("qemu-img"), ["create", "-q", "-f", "qcow2", file, "64M"]).ExitCode);
        Assert.Equal("qcow2", DiskImage.Probe(file, out _)!.Format);
    }

    [Theory]
    [InlineData(510, new byte[] { 0x55, 0xAA })]
    [InlineData(512, new byte[] { (byte)'E', (byte)'F', (byte)'I', (byte)' ', (byte)'P', (byte)'A', (byte)'R', (byte)'T' })]
    public void Raw_disks_with_a_partition_table_are_recognised(int offset, byte[] signature)
    {
        var bytes = new byte[4096];
        signature.CopyTo(bytes, offset);
        File.WriteAllBytes(Path_("d.img"), bytes);
        Assert.Equal("raw", DiskImage.Probe(Path_("d.img"), out _)!.Format);
    }

    [Fact]
    public void Anything_else_is_refused()
    {
        File.WriteAllText(Path_("notes.txt"), "this is not a disk\n");
        Assert.Null(DiskImage.Probe(Path_("notes.txt"), out var error));
        Assert.Contains("not a disk image", error, StringComparison.Ordinal);
        File.WriteAllBytes(Path_("bad.qcow2"), [(byte)'Q', (byte)'F', (byte)'I', 0xFB, 0, 0, 0, 9, 0, 0]);
        Assert.Null(DiskImage.Probe(Path_("bad.qcow2"), out error));
        Assert.Contains("qcow2 version 9", error, StringComparison.Ordinal);
        Assert.Null(DiskImage.Probe(Path_("missing.qcow2"), out error));
    }

    [Theory]
    [InlineData("127.0.0.1:5000/kubevirt/edge:v1", "127.0.0.1:5000", "kubevirt/edge", "v1")]
    [InlineData("registry.example.com/a/b", "registry.example.com", "a/b", "latest")]
    [InlineData("ubuntu:24.04", "registry-1.docker.io", "library/ubuntu", "24.04")]
    [InlineData("localhost/edge:1", "localhost", "edge", "1")]
    public void References_parse_like_docker_reads_them(string text, string registry, string repository, string tag) =>
        Assert.Equal(new ImageReference(registry, repository, tag), ImageReference.TryParse(text, out _));

    [Theory]
    [InlineData("docker://quay.io/a:b")]
    [InlineData("quay.io/Upper/case:1")]
    [InlineData("a b")]
    public void Bad_references_are_refused(string text) => Assert.Null(ImageReference.TryParse(text, out _));

    [Fact]
    public void Docker_config_credentials_are_found_by_registry_host()
    {
        var config = Path_("config.json");
        var auths = new System.Text.Json.Nodes.JsonObject
        {
            ["https://registry.example.com/v1/"] = new System.Text.Json.Nodes.JsonObject { ["auth"] = DockerCredentials.Encode("u", "p") },
            ["other:5000"] = new System.Text.Json.Nodes.JsonObject { ["auth"] = "eA==" },
        };
        File.WriteAllText(config, new System.Text.Json.Nodes.JsonObject { ["auths"] = auths }.ToJsonString());
        Assert.Equal(DockerCredentials.Encode("u", "p"), DockerCredentials.For("registry.example.com", config)!.BasicToken);
        Assert.Null(DockerCredentials.For("missing.example.com", config));
        Assert.DoesNotContain("dTpw", DockerCredentials.For("registry.example.com", config)!.ToString(), StringComparison.Ordinal);
    }
}
