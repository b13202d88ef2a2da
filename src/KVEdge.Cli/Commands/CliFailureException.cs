namespace KVEdge.Cli.Commands;

/// <summary>Something this command needs is missing (a tool, a stream); one line and exit code 1, no stack trace.</summary>
internal sealed class CliFailureException(string message) : Exception(message);
