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
