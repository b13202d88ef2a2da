using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using KVEdge.Core.Files;

namespace KVEdge.Core.Images;

/// <summary>
/// Wraps a disk into a KubeVirt containerDisk: one file under /disk/, owned 107:107 (qemu), mode 0440. The disk is
/// streamed once through tar, SHA-256 (diff_id), gzip and SHA-256 (digest), never held in memory. No timestamps or
/// host user names enter the image, so the same disk always gives the same digest.
/// </summary>
public static class ContainerDiskBuilder
{
    public const string LayerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";
    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    public const int QemuUid = 107;

    /// <summary>zlib level 2: level 1 (deflate_quick) uses fixed Huffman codes and barely shrinks text-like data.</summary>
    public const int GzipLevel = 2;

    /// <summary>
    /// Builds the image into an OCI layout; with <paramref name="alsoTo"/>, the compressed layer also streams there (an
    /// upload), and with <paramref name="keepLayer"/> false it goes only there (a push that needs no local copy).
    /// </summary>
    public static ContainerDisk Build(DiskImage disk, string layoutDir, string tag, string architecture, IProgress<long>? progress = null,
        Stream? alsoTo = null, bool keepLayer = true)
    {
        PrepareLayout(layoutDir);
        var staging = Path.Combine(layoutDir, "blobs", $".layer-{Guid.NewGuid():N}.tmp");
        string diffId;
        Blob layer;
        using (var file = keepLayer || alsoTo is null ? new FileStream(staging, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20) : Stream.Null)
        {
            using var compressed = new HashingStream(alsoTo is null ? file : keepLayer ? new TeeStream(file, alsoTo) : alsoTo, leaveOpen: true);
            using (var gzip = new ParallelGzipStream(compressed, GzipLevel))
            using (var tar = new HashingStream(gzip, leaveOpen: true))
            {
                WriteTar(tar, disk, progress);
                tar.Flush();
                diffId = tar.Digest();
                gzip.Finish();
            }

            layer = new Blob(compressed.Digest(), compressed.BytesWritten, LayerMediaType);
        }

        if (keepLayer || alsoTo is null)
        {
            MoveToBlob(layoutDir, staging, layer.Digest);
        }

        return WriteImage(disk, layoutDir, tag, architecture, layer, diffId);
    }

    /// <summary>The config, manifest and index around a layer already built (its blob may live only in the registry).</summary>
    public static ContainerDisk WriteImage(DiskImage disk, string layoutDir, string tag, string architecture, Blob layer, string diffId)
    {
        PrepareLayout(layoutDir);
        var config = new JsonObject
        {
            ["architecture"] = architecture,
            ["os"] = "linux",
            ["config"] = new JsonObject { ["User"] = $"{QemuUid}:{QemuUid}" },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) },
            ["history"] = new JsonArray(new JsonObject { ["created_by"] = $"kvedge image build ({disk.Format} disk as /disk/{disk.FileName})" }),
        };
        var configBlob = WriteJsonBlob(layoutDir, config, ConfigMediaType);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ManifestMediaType,
            ["config"] = Descriptor(configBlob),
            ["layers"] = new JsonArray(Descriptor(layer)),
        };
        var manifestBlob = WriteJsonBlob(layoutDir, manifest, ManifestMediaType);
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(Descriptor(manifestBlob, new JsonObject { ["org.opencontainers.image.ref.name"] = tag }, architecture)),
        };
        WriteFile(Path.Combine(layoutDir, "index.json"), Encoding.UTF8.GetBytes(index.ToJsonString()));
        WriteFile(Path.Combine(layoutDir, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}"""u8);
        return new ContainerDisk(layer, diffId, configBlob, manifestBlob, layoutDir);
    }

    /// <summary>
    /// The layout's blobs and blobs/sha256 are real folders (made when missing): a link there would send the image's
    /// files wherever it points, with kvedge's rights. The layout folder itself is the user's choice and may be
    /// reached through a link, as --output-dir's may; it must be a folder. Checked before anything is written.
    /// </summary>
    public static void PrepareLayout(string layoutDir)
    {
        if (File.Exists(layoutDir))
        {
            throw new OutputFileException($"--oci-layout: {Diagnostics.DisplayText.Quote(layoutDir)} is a file, not a folder");
        }

        Directory.CreateDirectory(layoutDir);
        foreach (var dir in new[] { Path.Combine(layoutDir, "blobs"), Path.Combine(layoutDir, "blobs", "sha256") })
        {
            var kind = PathKinds.Of(dir);
            if (kind is PathKind.Missing)
            {
                Directory.CreateDirectory(dir);
            }
            else if (kind is not PathKind.Directory)
            {
                throw new OutputFileException($"--oci-layout: {Diagnostics.DisplayText.Quote(dir)} is {PathKinds.Describe(kind)}, not a folder; kvedge writes an OCI layout only into real folders");
            }
        }
    }

    // Replaced whole, never through a link (a link in its place is refused).
    internal static void WriteFile(string path, ReadOnlySpan<byte> content) =>
        OutputFile.Write(path, replace: true, "--oci-layout", content);

    public static string BlobPath(string layoutDir, string digest) =>
        Path.Combine(layoutDir, "blobs", "sha256", digest["sha256:".Length..]);

    private static void WriteTar(Stream output, DiskImage disk, IProgress<long>? progress)
    {
        using var writer = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true);
        var epoch = DateTimeOffset.UnixEpoch;
        var dir = new GnuTarEntry(TarEntryType.Directory, "disk/")
        {
            Uid = QemuUid,
            Gid = QemuUid,
            Mode = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            ModificationTime = epoch,
            AccessTime = epoch,
            ChangeTime = epoch,
        };
        writer.WriteEntry(dir);
        using var source = new FileStream(disk.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var entry = new GnuTarEntry(TarEntryType.RegularFile, "disk/" + disk.FileName)
        {
            Uid = QemuUid,
            Gid = QemuUid,
            Mode = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            ModificationTime = epoch,
            AccessTime = epoch,
            ChangeTime = epoch,
            DataStream = progress is null ? source : new ProgressStream(source, progress),
        };
        writer.WriteEntry(entry);
    }

    internal static Blob WriteJsonBlob(string layoutDir, JsonObject json, string mediaType)
    {
        var bytes = Encoding.UTF8.GetBytes(json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        WriteFile(BlobPath(layoutDir, digest), bytes);
        return new Blob(digest, bytes.Length, mediaType);
    }

    private static void MoveToBlob(string layoutDir, string staging, string digest) =>
        File.Move(staging, BlobPath(layoutDir, digest), overwrite: true);

    internal static JsonObject Descriptor(Blob blob, JsonObject? annotations = null, string? architecture = null)
    {
        var d = new JsonObject { ["mediaType"] = blob.MediaType, ["digest"] = blob.Digest, ["size"] = blob.Size };
        if (architecture is not null)
        {
            d["platform"] = new JsonObject { ["architecture"] = architecture, ["os"] = "linux" };
        }

        if (annotations is not null)
        {
            d["annotations"] = annotations;
        }

        return d;
    }

    /// <summary>Writes to the layout's staging file and to a second stream (an upload) at once.</summary>
    private sealed class TeeStream(Stream first, Stream second) : WriteOnlyStream
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            first.Write(buffer);
            second.Write(buffer);
        }

        public override void Flush()
        {
            first.Flush();
            second.Flush();
        }
    }

    /// <summary>Reports how far the disk has been read.</summary>
    private sealed class ProgressStream(Stream inner, IProgress<long> progress) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => inner.CanSeek;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _read += n;
            progress.Report(_read);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
