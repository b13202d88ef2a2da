namespace KVEdge.Testing;

public sealed record ToolResult(int ExitCode, string StdOut, string StdErr);
