using System.ComponentModel;
using System.Diagnostics;
using KVEdge.Cli.Console;
using KVEdge.Core.Actions;

namespace KVEdge.Cli.Commands;

/// <summary>
/// Runs OpenSSH's ssh: attached to the user's streams (ssh, exec, logs), or with its output captured (health,
/// support-bundle). The child gets the console's KUBECONFIG and HOME, so the ProxyCommand it starts (kvedge
/// port-forward --stdio) finds the same cluster as this command did.
/// </summary>
internal static class SshProcess
{
    public const string Program = "ssh";

    /// <summary>ssh with the terminal and the streams as they are; its exit code (the remote command's, or 255).</summary>
    public static async Task<int> RunAttachedAsync(ICliConsole console, IReadOnlyList<string> args, CancellationToken ct)
    {
        var pumped = !console.IsProcessConsole;
        var start = StartInfo(console, args, redirect: pumped);
        console.StdOut.Flush();
        using var process = Start(start);
        using var kill = ct.Register(() => Kill(process));
        if (!pumped)
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            return process.ExitCode;
        }

        // Not the process's own streams (a test's console): copy them.
        var stdin = Task.Run(async () =>
        {
            try
            {
                await process.StandardInput.WriteAsync(await console.StdIn.ReadToEndAsync(ct).ConfigureAwait(false)).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // ssh -n does not read it.
            }
        }, ct);
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(console.OpenStandardOutput(), ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        await stdout.ConfigureAwait(false);
        await console.StdErr.WriteAsync(await stderr.ConfigureAwait(false)).ConfigureAwait(false);
        await stdin.ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        return process.ExitCode;
    }

    /// <summary>ssh with its output and errors captured, no input (the arguments carry -n).</summary>
    public static async Task<GuestRun> RunCapturedAsync(ICliConsole console, IReadOnlyList<string> args, CancellationToken ct)
    {
        var start = StartInfo(console, args, redirect: true);
        using var process = Start(start);
        using var kill = ct.Register(() => Kill(process));
        process.StandardInput.Close();
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout, ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).ConfigureAwait(false);
        await copy.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        return new GuestRun(process.ExitCode, stdout.ToArray(), errors);
    }

    private static ProcessStartInfo StartInfo(ICliConsole console, IReadOnlyList<string> args, bool redirect)
    {
        var start = new ProcessStartInfo(Program)
        {
            UseShellExecute = false,
            RedirectStandardInput = redirect,
            RedirectStandardOutput = redirect,
            RedirectStandardError = redirect,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "KUBECONFIG", "HOME" })
        {
            if (console.GetEnvironmentVariable(name) is { } value)
            {
                start.Environment[name] = value;
            }
        }

        return start;
    }

    private static Process Start(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new CliFailureException("ssh did not start");
        }
        catch (Win32Exception ex)
        {
            throw new CliFailureException($"cannot run ssh (OpenSSH's client; install openssh-client): {ex.Message}");
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }
}
