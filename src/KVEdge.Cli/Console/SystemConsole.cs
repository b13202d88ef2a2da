namespace KVEdge.Cli.Console;

public sealed class SystemConsole : ICliConsole, IDisposable
{
    // Buffered: a fleet's manifests are megabytes, and Console.Out flushes on every write.
    public TextWriter StdOut { get; } = new StreamWriter(System.Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };

    public TextWriter StdErr { get; } = System.Console.Error;

    public TextReader StdIn => System.Console.In;

    public bool ErrorIsTerminal => !System.Console.IsErrorRedirected;

    public bool IsProcessConsole => true;

    public Stream OpenStandardInput() => System.Console.OpenStandardInput();

    public Stream OpenStandardOutput()
    {
        StdOut.Flush();
        return System.Console.OpenStandardOutput();
    }

    public string? GetEnvironmentVariable(string name) => Environment.GetEnvironmentVariable(name);

    public void Dispose() => StdOut.Dispose();
}
