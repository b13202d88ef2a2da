using System.Diagnostics;

namespace KVEdge.Testing;

/// <summary>Runs a real tool (cloud-init, shellcheck, helm, ...) that scripts/install-test-tools.sh installs.</summary>
public static class ExternalTool
{
    public static string Require(string name, params string[] candidates)
    {
        foreach (var c in candidates.Prepend(name))
        {
            if (Path.IsPathRooted(c) && File.Exists(c))
            {
                return c;
            }

            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var full = Path.Combine(dir, c);
                if (File.Exists(full))
                {
                    return full;
                }
            }
        }

        throw new InvalidOperationException($"'{name}' is not installed; run scripts/install-test-tools.sh (the README's test command does)");
    }

    public static ToolResult Run(string file, IEnumerable<string> args, string? stdin = null, int timeoutSeconds = 120)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
        }

        p.StandardInput.Close();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish in {timeoutSeconds}s");
        }

        return new ToolResult(p.ExitCode, stdout.Result, stderr.Result);
    }
}
