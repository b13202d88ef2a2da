namespace KVEdge.Core.Actions;

/// <summary>The config.toml to print (none when it is not shown), and a note for a person.</summary>
public sealed record ConfigTomlResult(string? Text, string? Note);
