namespace KVEdge.Cli.Commands;

/// <summary>The command line's input cannot be read or parsed; the message names what and why (no value of a credential).</summary>
internal sealed class CliInputException(string message) : Exception(message);
