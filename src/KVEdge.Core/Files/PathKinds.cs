using System.Runtime.InteropServices;

namespace KVEdge.Core.Files;

/// <summary>
/// lstat through the .NET runtime's own native shim (libSystem.Native's SystemNative_LStat, which the runtime's
/// File and FileSystemInfo use; statically linked into a NativeAOT build): .NET's managed API tells a directory and a
/// link but not a FIFO or a device from a regular file, and opening a FIFO to find out would block.
/// </summary>
public static partial class PathKinds
{
    public static PathKind Of(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return Directory.Exists(path) ? PathKind.Directory : File.Exists(path) ? PathKind.RegularFile : PathKind.Missing;
        }

        if (LStat(path, out var status) != 0)
        {
            return PathKind.Missing;
        }

        // The shim's portable file-type bits (src/native/libs/System.Native/pal_io.h, PAL_S_IF*).
        return (status.Mode & 0xF000) switch
        {
            0x8000 => PathKind.RegularFile,
            0x4000 => PathKind.Directory,
            0xA000 => PathKind.SymbolicLink,
            0x1000 => PathKind.Fifo,
            0x2000 => PathKind.CharacterDevice,
            0x6000 => PathKind.BlockDevice,
            _ => PathKind.Socket, // 0xC000; nothing else is defined

        };
    }

    /// <summary>What a path names once its links are followed (a link to a FIFO is a FIFO); a dangling link is missing.</summary>
    public static PathKind OfTarget(string path) =>
        Of(path) is PathKind.SymbolicLink && File.ResolveLinkTarget(path, returnFinalTarget: true) is { } target ? Of(target.FullName) : Of(path);

    /// <summary>
    /// A small text file read whole after its kind and size are checked, so a device, a FIFO or a huge file is refused
    /// before it is opened; <paramref name="refuse"/> makes the caller's exception from the reason.
    /// </summary>
    public static string ReadSmallText(string path, long maxBytes, Func<string, Exception> refuse)
    {
        var kind = OfTarget(path);
        if (kind is not PathKind.RegularFile)
        {
            throw refuse($"is {Describe(kind)}, not a file");
        }

        if (new FileInfo(path).Length > maxBytes)
        {
            throw refuse($"is larger than {(maxBytes >= 1 << 20 ? $"{maxBytes >> 20} MiB" : $"{maxBytes >> 10} KiB")}");
        }

        return File.ReadAllText(path);
    }

    public static string Describe(PathKind kind) => kind switch
    {
        PathKind.RegularFile => "a file",
        PathKind.Directory => "a folder",
        PathKind.SymbolicLink => "a symbolic link",
        PathKind.Fifo => "a FIFO",
        PathKind.CharacterDevice => "a character device",
        PathKind.BlockDevice => "a block device",
        PathKind.Socket => "a socket",
        _ => "missing",
    };

    // pal_io.h's FileStatus, field for field.
    [StructLayout(LayoutKind.Sequential)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
        public uint Uid;
        public uint Gid;
        public long Size;
        public long ATime;
        public long ATimeNsec;
        public long MTime;
        public long MTimeNsec;
        public long CTime;
        public long CTimeNsec;
        public long BirthTime;
        public long BirthTimeNsec;
        public long Dev;
        public long RDev;
        public long Ino;
        public uint UserFlags;
    }

    [LibraryImport("libSystem.Native", EntryPoint = "SystemNative_LStat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LStat(string path, out FileStatus output);
}
