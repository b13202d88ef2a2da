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

    /// <summary>
    /// Whether these are the process's own streams, which a child process (ssh) can be handed as they are (a terminal
    /// stays a terminal); otherwise a child's streams are copied to and from these.
    /// </summary>
    bool IsProcessConsole { get; }

    /// <summary>Standard input as bytes (a byte stream forwarded as it is: port-forward --stdio).</summary>
    Stream OpenStandardInput();

    /// <summary>Standard output as bytes; <see cref="StdOut"/> is flushed first.</summary>
    Stream OpenStandardOutput();

    /// <summary>The process environment (credentials named by environment variable are read through it).</summary>
    string? GetEnvironmentVariable(string name);
}
