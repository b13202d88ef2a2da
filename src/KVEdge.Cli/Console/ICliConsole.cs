namespace KVEdge.Cli.Console;

/// <summary>
/// The process's streams behind one seam, so commands run in tests exactly as in a shell.
/// Machine output (manifests, -o json|yaml) goes to <see cref="StdOut"/>; everything meant for a person to <see cref="StdErr"/>.
/// </summary>
public interface ICliConsole
{
    TextWriter StdOut { get; }

    TextWriter StdErr { get; }

    TextReader StdIn { get; }

    /// <summary>Whether the human stream is a terminal (colours, progress).</summary>
    bool ErrorIsTerminal { get; }

    /// <summary>The process environment (credentials named by environment variable are read through it).</summary>
    string? GetEnvironmentVariable(string name);
}

public sealed class SystemConsole : ICliConsole, IDisposable
{
    // Buffered: a fleet's manifests are megabytes, and Console.Out flushes on every write.
    public TextWriter StdOut { get; } = new StreamWriter(System.Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };

    public TextWriter StdErr { get; } = System.Console.Error;

    public TextReader StdIn => System.Console.In;

    public bool ErrorIsTerminal => !System.Console.IsErrorRedirected;

    public string? GetEnvironmentVariable(string name) => Environment.GetEnvironmentVariable(name);

    public void Dispose() => StdOut.Dispose();
}
