namespace KVEdge.Core.Actions;

/// <summary>A finished command in the guest: its exit code (ssh's 255 when the connection failed), its output and errors.</summary>
public sealed record GuestRun(int ExitCode, byte[] StdOut, string StdErr)
{
    /// <summary>OpenSSH's exit code when ssh itself failed (ssh(1), EXIT STATUS), not the remote command.</summary>
    public const int SshFailed = 255;

    /// <summary>
    /// The errors in one line, escaped and bounded: kvedge's own port-forward's "error: ..." when it said one (the
    /// reason, where ssh adds only "Connection closed"), else the last line.
    /// </summary>
    public string LastError
    {
        get
        {
            var lines = StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var line = lines.LastOrDefault(l => l.StartsWith("error: ", StringComparison.Ordinal))?["error: ".Length..] ?? lines.LastOrDefault() ?? $"exit code {ExitCode}";
            return Diagnostics.DisplayText.Escape(line.Length > 300 ? line[..300] : line);
        }
    }
}
