namespace KVEdge.Core.Files;

/// <summary>A path kvedge was asked to write that it will not write (wrong kind, exists without --force): invalid input.</summary>
public sealed class OutputFileException(string message) : Exception(message);
