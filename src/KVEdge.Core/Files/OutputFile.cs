using System.Security.Cryptography;
using KVEdge.Core.Diagnostics;

namespace KVEdge.Core.Files;

/// <summary>
/// Every file kvedge writes for a user goes through here. kvedge often runs as root (on a node, in CI), so a path is
/// taken at its word only when it is what it seems: a target that exists must be a regular file (not a link, a device
/// or a FIFO: `-o /dev/null` must never turn /dev/null into a file) and is replaced only when the user said so; the
/// content is written to a temporary file beside it, with an unpredictable name, created exclusively (O_CREAT|O_EXCL,
/// which never follows a link), and renamed over the target once complete, so a failure leaves no half a file.
/// </summary>
public static class OutputFile
{
    /// <summary>Refuses a target that may not be written: not a regular file, or one that exists without <paramref name="replace"/>.</summary>
    public static void CheckTarget(string path, bool replace, string flag)
    {
        var kind = PathKinds.Of(path);
        if (kind is PathKind.Missing)
        {
            // The folder may be reached through a link (~/bundles -> /data/bundles, macOS's /tmp): only the target
            // itself must not be one.
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is not null && !Directory.Exists(folder))
            {
                throw new OutputFileException($"{flag} {DisplayText.Quote(path)}: its folder does not exist");
            }

            return;
        }

        if (kind is not PathKind.RegularFile)
        {
            throw new OutputFileException($"{flag} {DisplayText.Quote(path)} is {PathKinds.Describe(kind)}, not a regular file; kvedge writes only regular files");
        }

        if (!replace)
        {
            throw new OutputFileException($"{flag} {DisplayText.Quote(path)} exists; give --force to replace it");
        }
    }

    /// <summary>
    /// Writes through a temporary file beside <paramref name="path"/> and renames it over the target when
    /// <paramref name="write"/> says the content is whole (true); otherwise, or on an exception, the temporary file goes.
    /// </summary>
    public static async Task WriteAsync(string path, bool replace, string flag, Func<Stream, Task<bool>> write, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
    {
        CheckTarget(path, replace, flag);
        var temporary = TemporaryBeside(path);
        var committed = false;
        try
        {
            bool whole;
            await using (var stream = CreateExclusive(temporary, mode))
            {
                whole = await write(stream).ConfigureAwait(false);
                await stream.FlushAsync().ConfigureAwait(false);
            }

            if (whole)
            {
                Commit(temporary, path, replace, flag);
                committed = true;
            }
        }
        finally
        {
            if (!committed)
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>The same, for content in hand.</summary>
    public static void Write(string path, bool replace, string flag, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
    {
        CheckTarget(path, replace, flag);
        var temporary = TemporaryBeside(path);
        try
        {
            using (var stream = CreateExclusive(temporary, mode))
            {
                stream.Write(content);
            }

            Commit(temporary, path, replace, flag);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>A new file that did not exist (a link in its place is not followed: the create fails).</summary>
    public static FileStream CreateExclusive(string path, UnixFileMode mode)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 1 << 16 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        return new FileStream(path, options);
    }

    /// <summary>".NAME.RANDOM.tmp" in the target's folder: on the same file system, so the rename is atomic.</summary>
    public static string TemporaryBeside(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
    }

    // Renames a finished temporary file over the target, checked again first: it may have been swapped for a link or a
    // device meanwhile.
    private static void Commit(string temporary, string path, bool replace, string flag)
    {
        CheckTarget(path, replace, flag);
        File.Move(temporary, path, overwrite: true);
    }
}
