using KVEdge.Core.Images;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Images;

/// <summary>
/// Build and push against real tools: Debian's docker-registry on 127.0.0.1, skopeo copying back with digest
/// verification, umoci unpacking the layer, qemu-img checking the disk that comes out.
/// </summary>
public sealed class ContainerDiskTests : IDisposable
{
    private readonly LocalRegistry _registry = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("kvedge-cdisk-").FullName;
    private readonly string _disk;

    public ContainerDiskTests()
    {
        _disk = Path.Combine(_dir, "edge.qcow2");
        Run("qemu-img", "create", "-q", "-f", "qcow2", _disk, "256M");
        // Real content at a few offsets, so the layer is more than an empty qcow2 header.
        Run("qemu-io", "-f", "qcow2", "-c", "write -P 0xa5 0 3M", "-c", "write -P 0x3c 100M 2M", _disk);
    }

    public void Dispose()
    {
        _registry.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static ToolResult Run(string tool, params string[] args)
    {
        var result = ExternalTool.Run(ExternalTool.Require(tool), args);
        Assert.True(result.ExitCode == 0, $"{tool} {string.Join(' ', args)}:\n{result.StdOut}{result.StdErr}");
        return result;
    }

    private async Task<(ContainerDisk Image, PushResult Push)> BuildAndPush(string repository, string? mountFrom = null)
    {
        var reference = ImageReference.TryParse($"{_registry.Host}/{repository}:v1", out _)!;
        var image = ContainerDiskBuilder.Build(DiskImage.Probe(_disk, out _)!, Path.Combine(_dir, $"layout-{Guid.NewGuid():N}"), reference.Tag, "amd64");
        using var http = new HttpClient();
        var push = await new RegistryClient(http, reference, plainHttp: true).PushAsync(image, mountFrom, null, CancellationToken.None);
        return (image, push);
    }

    [Fact]
    public async Task Pulled_back_it_holds_exactly_the_disk_owned_by_qemu()
    {
        var (image, push) = await BuildAndPush("kubevirt/edge-disk");
        Assert.True(push.UploadedBytes >= image.Layer.Size);

        var pulled = Path.Combine(_dir, "pulled");
        Run("skopeo", "copy", "-q", "--src-tls-verify=false", $"docker://{_registry.Host}/kubevirt/edge-disk:v1", $"oci:{pulled}:v1");
        var inspect = Run("skopeo", "inspect", $"oci:{pulled}:v1").StdOut;
        Assert.Contains("\"Architecture\": \"amd64\"", inspect, StringComparison.Ordinal);
        Assert.Contains(image.Layer.Digest, inspect, StringComparison.Ordinal);

        var bundle = Path.Combine(_dir, "bundle");
        Run("umoci", "unpack", "--image", $"{pulled}:v1", bundle);
        var files = Directory.GetFileSystemEntries(Path.Combine(bundle, "rootfs", "disk"));
        var file = Assert.Single(files);
        Assert.Equal("disk.qcow2", Path.GetFileName(file));
        Assert.Equal(File.ReadAllBytes(_disk), File.ReadAllBytes(file));
        var owner = Run("stat", "-c", "%u:%g %a", file).StdOut.Trim();
        Assert.Equal("107:107 444", owner);
        Assert.Contains("No errors were found", Run("qemu-img", "check", file).StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_push_uploads_no_layer_bytes()
    {
        await BuildAndPush("kubevirt/edge-disk");
        var (_, again) = await BuildAndPush("kubevirt/edge-disk");
        Assert.Equal(0, again.UploadedBytes);
        Assert.Equal(2, again.BlobsSkipped);
    }

    [Fact]
    public async Task Another_repository_mounts_the_layer_instead_of_uploading_it()
    {
        await BuildAndPush("kubevirt/edge-disk");
        var (_, other) = await BuildAndPush("site-b/edge-disk", mountFrom: "kubevirt/edge-disk");
        Assert.Equal(0, other.UploadedBytes);
        Assert.Equal(2, other.BlobsMounted);
        Run("skopeo", "inspect", "--tls-verify=false", $"docker://{_registry.Host}/site-b/edge-disk:v1");
    }

    [Fact]
    public void The_same_disk_gives_the_same_digest()
    {
        var disk = DiskImage.Probe(_disk, out _)!;
        var a = ContainerDiskBuilder.Build(disk, Path.Combine(_dir, "a"), "v1", "amd64");
        var b = ContainerDiskBuilder.Build(disk, Path.Combine(_dir, "b"), "v1", "amd64");
        Assert.Equal(a.Manifest.Digest, b.Manifest.Digest);
        Assert.Equal(a.Layer.Digest, b.Layer.Digest);
        var arm = ContainerDiskBuilder.Build(disk, Path.Combine(_dir, "c"), "v1", "arm64");
        Assert.NotEqual(a.Manifest.Digest, arm.Manifest.Digest);
        Assert.Equal(a.Layer.Digest, arm.Layer.Digest);
    }

    [Fact]
    public void A_corrupted_layout_is_caught_by_skopeos_digest_check()
    {
        var image = ContainerDiskBuilder.Build(DiskImage.Probe(_disk, out _)!, Path.Combine(_dir, "layout"), "v1", "amd64");
        var blob = ContainerDiskBuilder.BlobPath(image.LayoutDir, image.Layer.Digest);
        var bytes = File.ReadAllBytes(blob);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(blob, bytes);
        var result = ExternalTool.Run(ExternalTool.Require("skopeo"), ["copy", "-q", $"oci:{image.LayoutDir}:v1", $"dir:{Path.Combine(_dir, "verify")}"]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Digest did not match", result.StdErr, StringComparison.Ordinal);
    }
}
