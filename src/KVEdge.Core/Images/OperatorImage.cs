using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;

namespace KVEdge.Core.Images;

/// <summary>
/// The operator's container image, made from the NativeAOT binary by kvedge's own image code, with no base image: the
/// binary at /kvedge, and the shared libraries it needs from the machine that built it (the C library and its loader,
/// libm, and OpenSSL, which .NET loads with dlopen at run time, dotnet/runtime v10.0.0
/// src/native/libs/System.Security.Cryptography.Native/opensslshim.c, so ldd does not list it). Globalization is
/// invariant (Directory.Build.props), so no ICU. It runs as 65532:65532 (a non-root user, as distroless's "nonroot"),
/// entrypoint `/kvedge` with `operator` as its default arguments, on a read-only root filesystem (it writes nothing). The layer is deterministic: entries
/// sorted, owned by root, time zero; the same files give the same digest.
/// </summary>
public static class OperatorImage
{
    public const string User = "65532:65532";

    /// <summary>Libraries .NET opens by name at run time (OpenSSL 3), which a dependency listing of the binary misses.</summary>
    public static readonly IReadOnlyList<string> OpenedAtRunTime = ["libssl.so.3"];

    /// <summary>One file of the image: where it is read from and where it goes (absolute in the image).</summary>
    public sealed record File(string Source, string ImagePath, bool Executable);

    // The entry point every .NET apphost calls in hostfxr, kept reversed: written out, this very check would put the
    // string into the NativeAOT kvedge and refuse it.
    private static readonly byte[] ApphostMarker = System.Text.Encoding.ASCII.GetBytes(new string("ofniputrats_niam_rxftsoh".Reverse().ToArray()));

    /// <summary>
    /// Why <paramref name="binary"/> cannot be the operator image's /kvedge, or null: it must be an ELF executable that
    /// carries its runtime (NativeAOT). A .NET apphost (a framework-dependent or single-file build) calls into hostfxr,
    /// which it loads from an installed .NET, and an image with no base has none.
    /// </summary>
    public static string? CheckBinary(string binary)
    {
        if (!System.IO.File.Exists(binary))
        {
            return $"{Diagnostics.DisplayText.Quote(binary)} does not exist";
        }

        var bytes = System.IO.File.ReadAllBytes(binary);
        if (bytes.Length < 4 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
        {
            return $"{Diagnostics.DisplayText.Quote(binary)} is not an ELF executable: give the NativeAOT kvedge (scripts/build-native.sh, or a release download)";
        }

        return bytes.AsSpan().IndexOf(ApphostMarker) >= 0
            ? $"{Diagnostics.DisplayText.Quote(binary)} is a .NET apphost that needs an installed .NET runtime, not the NativeAOT kvedge the image carries (scripts/build-native.sh, or a release download)"
            : null;
    }

    /// <summary>
    /// The binary and every shared library it and <see cref="OpenedAtRunTime"/> need, as the machine's loader resolves
    /// them (ldd, and ldconfig for the ones opened by name), each at the path the loader looks for it.
    /// </summary>
    public static IReadOnlyList<File> FilesFor(string binary)
    {
        if (!System.IO.File.Exists(binary))
        {
            throw new FileNotFoundException($"{Diagnostics.DisplayText.Quote(binary)} does not exist: build the NativeAOT binary first (scripts/build-native.sh)");
        }

        var files = new SortedDictionary<string, File>(StringComparer.Ordinal) { ["/kvedge"] = new File(binary, "/kvedge", Executable: true) };
        var pending = new Queue<string>([binary]);
        foreach (var name in OpenedAtRunTime)
        {
            var path = Resolve(name) ?? throw new InvalidOperationException($"{name} is not installed on this machine (ldconfig -p does not list it); the operator needs it for TLS (apt install libssl3)");
            files[path] = new File(path, path, Executable: false);
            pending.Enqueue(path);
        }

        while (pending.TryDequeue(out var next))
        {
            foreach (var dependency in Dependencies(next))
            {
                if (!files.ContainsKey(dependency))
                {
                    files[dependency] = new File(dependency, dependency, Executable: dependency.Contains("/ld-linux", StringComparison.Ordinal));
                    pending.Enqueue(dependency);
                }
            }
        }

        return [.. files.Values];
    }

    /// <summary>Writes the image into an OCI layout under <paramref name="tag"/> and returns its blobs (for a push).</summary>
    public static ContainerDisk Build(IReadOnlyList<File> files, string layoutDir, string tag, string architecture)
    {
        ContainerDiskBuilder.PrepareLayout(layoutDir);
        using var tar = new MemoryStream();
        WriteTar(tar, files);
        var tarBytes = tar.ToArray();
        var diffId = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(tarBytes));
        using var gz = new MemoryStream();
        using (var gzip = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(tarBytes);
        }

        var layerBytes = gz.ToArray();
        var layer = new Blob("sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(layerBytes)), layerBytes.Length, ContainerDiskBuilder.LayerMediaType);
        ContainerDiskBuilder.WriteFile(ContainerDiskBuilder.BlobPath(layoutDir, layer.Digest), layerBytes);

        var config = new JsonObject
        {
            ["architecture"] = architecture,
            ["os"] = "linux",
            ["config"] = new JsonObject
            {
                ["User"] = User,
                // The chart gives the arguments (operator and its flags); run bare, it is the operator.
                ["Entrypoint"] = new JsonArray("/kvedge"),
                ["Cmd"] = new JsonArray("operator"),
                ["WorkingDir"] = "/",
                ["Labels"] = new JsonObject
                {
                    ["org.opencontainers.image.title"] = "kvedge-operator",
                    ["org.opencontainers.image.description"] = "The KVEdge EdgeDevice operator (kvedge operator)",
                },
            },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) },
            ["history"] = new JsonArray(new JsonObject { ["created_by"] = "kvedge operator image (NativeAOT binary and its shared libraries, no base image)" }),
        };
        var configBlob = ContainerDiskBuilder.WriteJsonBlob(layoutDir, config, ContainerDiskBuilder.ConfigMediaType);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = ContainerDiskBuilder.ManifestMediaType,
            ["config"] = ContainerDiskBuilder.Descriptor(configBlob),
            ["layers"] = new JsonArray(ContainerDiskBuilder.Descriptor(layer)),
        };
        var manifestBlob = ContainerDiskBuilder.WriteJsonBlob(layoutDir, manifest, ContainerDiskBuilder.ManifestMediaType);
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(ContainerDiskBuilder.Descriptor(manifestBlob, new JsonObject { ["org.opencontainers.image.ref.name"] = tag }, architecture)),
        };
        ContainerDiskBuilder.WriteFile(Path.Combine(layoutDir, "index.json"), Encoding.UTF8.GetBytes(index.ToJsonString()));
        ContainerDiskBuilder.WriteFile(Path.Combine(layoutDir, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}"""u8);
        return new ContainerDisk(layer, diffId, configBlob, manifestBlob, layoutDir);
    }

    // Every folder on the way to a file, then the file; root-owned, time zero, in path order.
    private static void WriteTar(Stream output, IReadOnlyList<File> files)
    {
        using var writer = new TarWriter(output, TarEntryFormat.Gnu, leaveOpen: true);
        const UnixFileMode Dir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        const UnixFileMode Exec = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        const UnixFileMode Plain = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        var folders = files.SelectMany(f => Ancestors(f.ImagePath)).Distinct().Order(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            writer.WriteEntry(Entry(TarEntryType.Directory, folder + "/", Dir, null));
        }

        foreach (var file in files.OrderBy(f => f.ImagePath, StringComparer.Ordinal))
        {
            using var source = System.IO.File.OpenRead(file.Source);
            writer.WriteEntry(Entry(TarEntryType.RegularFile, file.ImagePath.TrimStart('/'), file.Executable ? Exec : Plain, source));
        }

        static GnuTarEntry Entry(TarEntryType type, string name, UnixFileMode mode, Stream? data)
        {
            var entry = new GnuTarEntry(type, name)
            {
                Uid = 0,
                Gid = 0,
                Mode = mode,
                ModificationTime = DateTimeOffset.UnixEpoch,
                AccessTime = DateTimeOffset.UnixEpoch,
                ChangeTime = DateTimeOffset.UnixEpoch,
            };
            if (data is not null)
            {
                entry.DataStream = data;
            }

            return entry;
        }

        static IEnumerable<string> Ancestors(string path)
        {
            var parts = path.Trim('/').Split('/');
            for (var i = 1; i < parts.Length; i++)
            {
                yield return string.Join('/', parts[..i]);
            }
        }
    }

    // ldd's "name => /path (addr)" and "/lib64/ld-linux-x86-64.so.2 (addr)" lines; the vDSO is the kernel's.
    private static IEnumerable<string> Dependencies(string elf)
    {
        // The loader itself needs nothing ("statically linked", and ldd exits 1 on it).
        if (Path.GetFileName(elf).StartsWith("ld-linux", StringComparison.Ordinal))
        {
            yield break;
        }

        var output = Run("ldd", elf);
        foreach (var line in output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var arrow = line.IndexOf("=>", StringComparison.Ordinal);
            var path = (arrow >= 0 ? line[(arrow + 2)..] : line).Trim();
            var space = path.IndexOf(' ', StringComparison.Ordinal);
            path = space >= 0 ? path[..space] : path;
            if (path.StartsWith('/'))
            {
                yield return path;
            }
            else if (arrow >= 0 && path == "not")
            {
                throw new InvalidOperationException($"{elf} needs a library this machine lacks: {line}");
            }
        }
    }

    private static string? Resolve(string soname) =>
        Run("ldconfig", "-p").Split('\n')
            .Where(l => l.TrimStart().StartsWith(soname + " ", StringComparison.Ordinal) && l.Contains("x86-64", StringComparison.Ordinal) == (RuntimeArchitecture == "amd64"))
            .Select(l => l[(l.IndexOf("=>", StringComparison.Ordinal) + 2)..].Trim())
            .FirstOrDefault();

    /// <summary>The image architecture of this machine, as OCI names it.</summary>
    public static string RuntimeArchitecture => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        _ => "amd64",
    };

    private static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LC_ALL"] = "C";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{tool} could not be started");
        var stdout = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? stdout.Result : throw new InvalidOperationException($"{tool} {string.Join(' ', args)} exited {process.ExitCode}");
    }
}
