using System.Diagnostics;
using System.Net;

namespace KVEdge.Testing;

/// <summary>
/// A real OpenSSH server on 127.0.0.1 standing in for a device's guest sshd, for the verbs that reach the guest (ssh,
/// exec, health, logs, support-bundle): its login shell (tests/testdata/standin-guest/guest-shell.sh) runs commands
/// with the guest's files under a folder of its own and stand-in iotedge, systemctl and journalctl, and the real health
/// program (files/guest/kvedge-health.sh) at the guest's path. The contract server's portforward subresource is mapped
/// to it. A double of the guest's SSH side only; tests/e2e boots the real guest.
/// </summary>
public sealed class StandInGuestSshd : IDisposable
{
    private readonly Process _sshd;

    private StandInGuestSshd(string folder, int port, Process sshd, StandInGuest guest)
    {
        Guest = guest;
        Folder = folder;
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
        _sshd = sshd;
    }

    public string Folder { get; }

    public IPEndPoint EndPoint { get; }

    /// <summary>The private key the guest accepts (the spec's authorized key's pair).</summary>
    public string ClientKey => Path.Combine(Folder, "client_ed25519");

    /// <summary>The user it logs in: the one running the tests (a non-root sshd can log in no other).</summary>
    public static string User => Environment.UserName;

    /// <summary>The stand-in guest's root folder (KVEDGE_ROOT of the health program).</summary>
    public string Root => Guest.Root;

    /// <summary>The guest's state behind the sshd: a new device converged with no deployment, until a test says otherwise.</summary>
    public StandInGuest Guest { get; }

    /// <summary>Every command line the guest was asked to run, in order.</summary>
    public IReadOnlyList<string> Commands => File.Exists(Path.Combine(Folder, "commands.log")) ? File.ReadAllLines(Path.Combine(Folder, "commands.log")) : [];

    public static StandInGuestSshd Start()
    {
        var sshd = ExternalTool.Require("sshd", "/usr/sbin/sshd");
        var keygen = ExternalTool.Require("ssh-keygen");
        var folder = Directory.CreateTempSubdirectory("kvedge-guest-sshd-").FullName;
        foreach (var key in new[] { "host_ed25519", "client_ed25519" })
        {
            var made = ExternalTool.Run(keygen, ["-q", "-t", "ed25519", "-N", "", "-C", "kvedge-test", "-f", Path.Combine(folder, key)]);
            if (made.ExitCode != 0)
            {
                throw new InvalidOperationException("ssh-keygen failed: " + made.StdErr);
            }
        }

        File.Copy(Path.Combine(folder, "client_ed25519.pub"), Path.Combine(folder, "authorized_keys"));
        var state = StandInGuest.Create(folder);
        StandInGuest.Executable(Path.Combine(folder, "guest-shell"), File.ReadAllText(Path.Combine(RepoPaths.TestData, "standin-guest", "guest-shell.sh")));
        var guest = new StandInGuestSshd(folder, LoopbackPort.Free(), null!, state);
        var config = Path.Combine(folder, "sshd_config");
        File.WriteAllText(config, $"""
            Port {guest.EndPoint.Port}
            ListenAddress 127.0.0.1
            HostKey {Path.Combine(folder, "host_ed25519")}
            AuthorizedKeysFile {Path.Combine(folder, "authorized_keys")}
            PidFile {Path.Combine(folder, "sshd.pid")}
            ForceCommand {Path.Combine(folder, "guest-shell")}
            StrictModes no
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            LogLevel ERROR

            """);
        // sshd as root wants its privilege-separation folder (Debian's /run/sshd, made by the service otherwise).
        if (Environment.UserName == "root")
        {
            Directory.CreateDirectory("/run/sshd");
        }

        var start = new ProcessStartInfo(sshd) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-D", "-e", "-f", config })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var started = new StandInGuestSshd(folder, guest.EndPoint.Port, process, state);
        LoopbackPort.WaitForListener(started.EndPoint.Port, process, "sshd");
        return started;
    }

    /// <summary>See <see cref="StandInGuest.Converged"/>.</summary>
    public void Converged() => Guest.Converged();

    /// <summary>See <see cref="StandInGuest.Deployed"/>.</summary>
    public void Deployed() => Guest.Deployed();

    /// <summary>Gives the guest a TPM: its device node (a file under the root) and tpm2-tools' TCTI to <paramref name="tpm"/>.</summary>
    public void AttachTpm(SwtpmServer tpm)
    {
        Directory.CreateDirectory(Path.Combine(Guest.Root, "dev"));
        File.WriteAllText(Path.Combine(Guest.Root, "dev", "tpmrm0"), "");
        File.WriteAllText(Path.Combine(Folder, "tcti"), tpm.Tcti);
    }

    /// <summary>A module's state, as `docker stop` / `iotedge restart` would leave it.</summary>
    public void SetModule(string module, string state) => Guest.SetModule(module, state);

    public void Dispose()
    {
        try
        {
            _sshd.Kill(entireProcessTree: true);
            _sshd.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _sshd.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
