using System.Text;
using KVEdge.Core.Diagnostics;

namespace KVEdge.Core.Input;

public sealed record InputFile(string DisplayName, string Text)
{
    /// <summary>An input file larger than this is refused: a fleet of thousands of devices is a few MiB; /dev/zero is not a spec.</summary>
    public const int MaxBytes = 32 * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IReadOnlyList<InputFile> Read(IEnumerable<string> paths, Func<TextReader> stdin)
    {
        var files = new List<InputFile>();
        foreach (var given in paths)
        {
            var path = ExpandHome(given);
            if (path == "-")
            {
                files.Add(new InputFile("<stdin>", Bounded("<stdin>", stdin())));
            }
            else if (Directory.Exists(path))
            {
                var entries = Directory.EnumerateFiles(path)
                    .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
                    .Order(StringComparer.Ordinal);
                files.AddRange(entries.Select(f => new InputFile(f, ReadText(f))));
            }
            else
            {
                files.Add(new InputFile(path, ReadText(path)));
            }
        }

        return files;
    }

    /// <summary>
    /// A leading "~/" is the home folder, as a shell would have expanded it (it does not after '=': a README's
    /// <c>--set-file key=~/.ssh/id_ed25519.pub</c> reaches kvedge with the "~" still there).
    /// </summary>
    public static string ExpandHome(string path)
    {
        var home = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return path == "~" ? home
            : path.StartsWith("~/", StringComparison.Ordinal) && home.Length > 0 ? Path.Combine(home, path[2..])
            : path;
    }

    /// <summary>The whole file as UTF-8 text, read in bounded memory; a file that is too large, holds a NUL or is not UTF-8 is refused by name.</summary>
    public static string ReadText(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            // A NUL says "not text" at once (/dev/zero would otherwise be read up to the size limit first).
            if (chunk.AsSpan(0, read).IndexOf((byte)0) is var at and >= 0)
            {
                throw new OverrideException($"{DisplayText.Quote(path)} holds a NUL byte (at byte {buffer.Length + at}): it is not a YAML text file");
            }

            if (buffer.Length + read > MaxBytes)
            {
                throw new OverrideException($"{DisplayText.Quote(path)} is larger than {MaxBytes / (1024 * 1024)} MiB, the limit for an input file");
            }

            buffer.Write(chunk, 0, read);
        }

        return Decode(path, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    private static string Bounded(string name, TextReader reader)
    {
        var sb = new StringBuilder();
        var chunk = new char[64 * 1024];
        int read;
        while ((read = reader.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (sb.Length + read > MaxBytes)
            {
                throw new OverrideException($"{name} is larger than {MaxBytes / (1024 * 1024)} MiB, the limit for an input file");
            }

            sb.Append(chunk, 0, read);
        }

        var text = sb.ToString();
        var nul = text.IndexOf('\0', StringComparison.Ordinal);
        return nul < 0 ? text : throw new OverrideException($"{name} holds a NUL byte (at character {nul}): it is not a YAML text file");
    }

    private static string Decode(string path, ReadOnlySpan<byte> bytes)
    {
        try
        {
            var text = StrictUtf8.GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException ex)
        {
            throw new OverrideException($"{DisplayText.Quote(path)} is not UTF-8 text (an invalid byte at {ex.Index}); YAML specs are UTF-8");
        }
    }
}
