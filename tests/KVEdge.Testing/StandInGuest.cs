using System.Diagnostics;

namespace KVEdge.Testing;

/// <summary>
/// The guest's files and commands as the health program sees them, in a folder: <c>root/</c> is the guest's file
/// system (KVEDGE_ROOT) with the real health program (files/guest/kvedge-health.sh) at its path, <c>bin/</c> the
/// stand-in iotedge, systemctl, journalctl and sudo (tests/testdata/standin-guest). A new device is as a real one is
/// before its first IoT Hub deployment: the aziot services up, edgeAgent running alone, no edgeHub
/// (../shared/reference/stock-guest-behaviour.md, "The runtime before its first deployment"). A double of the guest's
/// state, not a guest: tests/e2e boots the real one.
/// </summary>
public sealed class StandInGuest
{
    private StandInGuest(string folder) => Folder = folder;

    public string Folder { get; }

    /// <summary>The stand-in guest's root folder (KVEDGE_ROOT of the health program).</summary>
    public string Root => Path.Combine(Folder, "root");

    public string Bin => Path.Combine(Folder, "bin");

    private string StandInState => Path.Combine(Root, "var", "lib", "kvedge-standin");

    /// <summary>Lays out the stand-in guest in <paramref name="folder"/> (made if missing), converged with no deployment.</summary>
    public static StandInGuest Create(string folder)
    {
        var standIns = Path.Combine(RepoPaths.TestData, "standin-guest");
        foreach (var tool in new[] { "iotedge", "systemctl", "journalctl", "sudo" })
        {
            Executable(Path.Combine(folder, "bin", tool), File.ReadAllText(Path.Combine(standIns, tool + ".sh")));
        }

        var guest = new StandInGuest(folder);
        Executable(Path.Combine(guest.Root, "usr", "local", "lib", "kvedge", "kvedge-health"),
            File.ReadAllText(Path.Combine(RepoPaths.Root, "deploy", "helm", "aziot-edge-kubevirt", "files", "guest", "kvedge-health.sh")));
        guest.Converged();
        return guest;
    }

    /// <summary>
    /// The converge program has run for this boot's config disk, its config is applied, the aziot services are up
    /// (aziot-tpmd idle, as on a device that does not use its TPM) and aziot-edged has started edgeAgent: a device
    /// with no deployment yet.
    /// </summary>
    public void Converged()
    {
        var disk = Path.Combine(Root, "dev", "disk", "by-id", "virtio-kvedge-config");
        Write(disk, "config disk\n");
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(disk)));
        Write(Path.Combine(Root, "run", "kvedge", "converged"), sha + "\n");
        Write(Path.Combine(Root, "var", "lib", "kvedge", "applied.sha256"), sha + "\n");
        Write(Path.Combine(Root, "var", "lib", "aziot", "identityd", "prev-state", "device_info"), "provisioned\n");
        foreach (var service in new[] { "aziot-edged", "aziot-identityd", "aziot-keyd", "aziot-certd" })
        {
            SetService(service, "active");
        }

        SetService("aziot-tpmd", "inactive");
        SetModule("edgeAgent", "running");
    }

    /// <summary>The device's IoT Hub deployment has reached edgeAgent, which has started edgeHub.</summary>
    public void Deployed()
    {
        Write(Path.Combine(StandInState, "deployment"), "set\n");
        SetModule("edgeHub", "running");
    }

    /// <summary>A module's state, as `docker stop` / `iotedge restart` would leave it.</summary>
    public void SetModule(string module, string state) => Write(Path.Combine(StandInState, "modules", module), state + "\n");

    /// <summary>What `systemctl is-active SERVICE` answers (active, inactive, failed, activating).</summary>
    public void SetService(string service, string isActive) => Write(Path.Combine(StandInState, "services", service), isActive + "\n");

    /// <summary>Replaces a stand-in command (e.g. an iotedge that hangs as one whose aziot-edged does not answer).</summary>
    public void ReplaceCommand(string name, string script) => Executable(Path.Combine(Bin, name), script);

    /// <summary>Runs the health program as the readiness probe does (with <paramref name="args"/>), in this guest.</summary>
    public ToolResult Health(params string[] args) => Health(new Dictionary<string, string>(), args);

    public ToolResult Health(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(Root, "usr", "local", "lib", "kvedge", "kvedge-health"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["KVEDGE_ROOT"] = Root;
        start.Environment["PATH"] = Bin + ":" + Environment.GetEnvironmentVariable("PATH");
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the health program did not finish in 60 s");
        }

        return new ToolResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>Writes a script, executable by all (the stand-in guest's commands and login shell).</summary>
    internal static void Executable(string path, string text)
    {
        Write(path, text);
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }
}
