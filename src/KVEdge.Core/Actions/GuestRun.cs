namespace KVEdge.Core.Actions;

/// <summary>A finished command in the guest: its exit code (ssh's 255 when the connection failed), its output and errors.</summary>
public sealed record GuestRun(int ExitCode, byte[] StdOut, string StdErr)
{
    /// <summary>OpenSSH's exit code when ssh itself failed (ssh(1), EXIT STATUS), not the remote command.</summary>
    public const int SshFailed = 255;

    /// <summary>The last line of the errors, escaped and bounded, for a one-line message.</summary>
    public string LastError
    {
        get
        {
            var line = StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? $"exit code {ExitCode}";
            return Diagnostics.DisplayText.Escape(line.Length > 300 ? line[..300] : line);
        }
    }
}
