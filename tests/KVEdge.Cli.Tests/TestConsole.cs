using KVEdge.Cli.Console;

namespace KVEdge.Cli.Tests;

/// <summary>Runs the CLI in-process against string buffers, exactly as Program does against the real streams.</summary>
public sealed class TestConsole(string stdin = "") : ICliConsole, IDisposable
{
    private readonly StringWriter _out = new() { NewLine = "\n" };
    private readonly StringWriter _err = new() { NewLine = "\n" };

    public TextWriter StdOut => _out;

    public TextWriter StdErr => _err;

    public TextReader StdIn { get; } = new StringReader(stdin);

    public bool IsProcessConsole => false;

    public Stream OpenStandardInput() => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(stdin), writable: false);

    public Stream OpenStandardOutput() => new RawOut(_out);

    // Bytes written raw land in Out, after what was written as text before them (the tests' output is UTF-8 text).
    private sealed class RawOut(StringWriter text) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            lock (text)
            {
                text.Write(System.Text.Encoding.UTF8.GetString(buffer, offset, count));
            }
        }
    }

    /// <summary>A terminal on stderr (live views redraw in place); false by default, as when output is captured.</summary>
    public bool ErrorIsTerminal { get; init; }

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string? GetEnvironmentVariable(string name) => Environment.GetValueOrDefault(name);

    public string Out
    {
        get
        {
            lock (_out)
            {
                return _out.ToString();
            }
        }
    }

    public void Dispose()
    {
        _out.Dispose();
        _err.Dispose();
    }

    public string Err => _err.ToString();

    public static (int Code, TestConsole Console) Run(params string[] args) => RunWithInput("", args);

    public static (int Code, TestConsole Console) RunWithInput(string stdin, params string[] args) => RunWith(stdin, null, args);

    public static (int Code, TestConsole Console) RunWith(string stdin, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        RunWith(stdin, environment, terminal: false, args);

    public static (int Code, TestConsole Console) RunWith(string stdin, IReadOnlyDictionary<string, string>? environment, bool terminal, params string[] args) =>
        RunWith(stdin, environment, terminal, null, args);

    /// <summary>With IoT Hub and DPS reached through <paramref name="iot"/> (the doubles).</summary>
    public static (int Code, TestConsole Console) RunWith(string stdin, IReadOnlyDictionary<string, string>? environment, bool terminal, KVEdge.Cli.Commands.IotConnectorFactory? iot, params string[] args)
    {
        var console = new TestConsole(stdin) { ErrorIsTerminal = terminal };
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            console.Environment[k] = v;
        }

        var code = CliApp.Run(args, console, config => new KVEdge.Core.Kube.KubernetesClusterClient(config, KVEdge.Testing.ApiServer.ContractCluster.FastRetry), iot);
        return (code, console);
    }
}
