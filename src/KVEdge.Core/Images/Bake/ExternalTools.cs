using System.Diagnostics;

namespace KVEdge.Core.Images.Bake;

/// <summary>The host programs a bake needs, found on PATH, with what to install when one is missing.</summary>
public sealed record ExternalTools(string Qemu, string QemuImg, string IsoMaker)
{
    public static ExternalTools Find(Func<string, string?> environment, out IReadOnlyList<string> missing)
    {
        var path = (environment("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(Path.PathSeparator);
        string? Which(params string[] names) => names.SelectMany(n => path.Select(dir => Path.Combine(dir, n))).FirstOrDefault(File.Exists);
        var qemu = Which("qemu-system-x86_64");
        var qemuImg = Which("qemu-img");
        var iso = Which("xorrisofs", "genisoimage", "mkisofs");
        var problems = new List<string>();
        if (qemu is null)
        {
            problems.Add("qemu-system-x86_64 is not installed (Debian/Ubuntu: apt install qemu-system-x86)");
        }

        if (qemuImg is null)
        {
            problems.Add("qemu-img is not installed (apt install qemu-utils)");
        }

        if (iso is null)
        {
            problems.Add("no ISO 9660 tool (xorrisofs, genisoimage or mkisofs) is installed (apt install xorriso)");
        }

        missing = problems;
        return new ExternalTools(qemu ?? "", qemuImg ?? "", iso ?? "");
    }

    /// <summary>Runs a tool to completion; its output goes to the log, a failure names the tool and its last words.</summary>
    public static void Run(string program, IEnumerable<string> args, TextWriter log)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new BakeException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        log.Write(stdout.Result);
        log.Write(stderr.Result);
        if (process.ExitCode != 0)
        {
            throw new BakeException($"{Path.GetFileName(program)} failed (exit {process.ExitCode}): {stderr.Result.Trim().Split('\n').LastOrDefault()}");
        }
    }
}
