using System.Text;
using KVEdge.Core.Rendering;

namespace KVEdge.Core.Actions;

/// <summary>
/// The command lines kvedge's guest verbs run in the device over SSH, as one string for the login shell (ssh joins its
/// arguments with spaces and hands them to the user's shell, so every word is quoted here). What needs root runs
/// through sudo -n (cloud-init gives the spec's SSH user passwordless sudo; -n fails at once instead of prompting),
/// unless the login is root already.
/// </summary>
public static class GuestCommands
{
    /// <summary>
    /// The units `iotedge system logs` reads (learn.microsoft.com/azure/iot-edge/troubleshoot, "Check the logs of IoT
    /// Edge security manager"), and kvedge's own two, which set them up.
    /// </summary>
    public static readonly IReadOnlyList<string> JournalUnits =
        ["aziot-keyd", "aziot-certd", "aziot-identityd", "aziot-tpmd", "aziot-edged", "kvedge-converge", "kvedge-apply"];

    /// <summary>The health program's JSON verdict (files/guest/kvedge-health.sh).</summary>
    public static string Health() => Privileged([HealthProbe.Program, "--json"]);

    /// <summary>The aziot daemons' and kvedge's journal, or one module's logs (`iotedge logs`).</summary>
    public static string Logs(string? module, bool follow, int? tail, string? since)
    {
        List<string> argv;
        if (module is null)
        {
            argv = ["journalctl", "--no-pager", "-o", "short-iso"];
            foreach (var unit in JournalUnits)
            {
                argv.AddRange(["-u", unit]);
            }

            if (tail is { } lines)
            {
                argv.AddRange(["-n", lines.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }

            if (since is not null)
            {
                argv.AddRange(["--since", JournalSince(since)]);
            }
        }
        else
        {
            argv = ["iotedge", "logs", module];
            if (tail is { } lines)
            {
                argv.AddRange(["--tail", lines.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }

            if (since is not null)
            {
                argv.AddRange(["--since", since]);
            }
        }

        if (follow)
        {
            argv.Add("-f");
        }

        return Privileged(argv);
    }

    /// <summary>`iotedge support-bundle` to stdout (its --output "-"), the zip it would otherwise write to a file.</summary>
    public static string SupportBundle(string since) => Privileged(["iotedge", "support-bundle", "--output", "-", "--since", since]);

    /// <summary>This boot's journal of the converge program and the apply it starts.</summary>
    public static string ConvergeJournal() =>
        Privileged(["journalctl", "--no-pager", "-o", "short-iso", "-b", "-u", "kvedge-converge", "-u", "kvedge-apply"]);

    /// <summary>
    /// The TPM's endorsement key as Microsoft's DPS TPM guide reads it (learn.microsoft.com/azure/iot-dps/
    /// quick-create-simulated-device-tpm, "how-to-provision-devices-at-scale-linux-tpm"): the persistent EK at
    /// 0x81010001 (libvirt's swtpm_setup --createek puts it there, so KubeVirt's vTPM has one), else the same key made
    /// again from the endorsement seed by tpm2_createek's standard template, as a transient object (nothing is written
    /// to the TPM). Prints the source ("persistent" or "created") and the EK's TPM2B_PUBLIC in base64. Exit 3: no
    /// tpm2-tools; exit 4: no TPM device.
    /// </summary>
    public static string TpmEndorsementKey() => Privileged(["sh", "-c", TpmEndorsementKeyScript]);

    /// <summary>The exit codes of <see cref="TpmEndorsementKey"/>'s script that are its own answers, not a failure of tpm2-tools.</summary>
    public const int NoTpmTools = 3;

    /// <inheritdoc cref="NoTpmTools"/>
    public const int NoTpm = 4;

    private const string TpmEndorsementKeyScript = """
        command -v tpm2_readpublic >/dev/null 2>&1 || exit 3
        [ -e /dev/tpmrm0 ] || exit 4
        export TPM2TOOLS_TCTI=device:/dev/tpmrm0
        d=$(mktemp -d) || exit 1
        trap 'rm -rf "$d"' EXIT
        if tpm2_readpublic -Q -c 0x81010001 -o "$d/ek.pub" >/dev/null 2>&1; then
          echo persistent
        else
          tpm2_createek -Q -c "$d/ek.ctx" -G rsa -u "$d/ek.pub" >&2 || exit 1
          echo created
        fi
        base64 -w0 "$d/ek.pub"
        echo
        """;

    /// <summary>The user's own command, each argument kept whole (as `kubectl exec -- CMD ARGS` passes an argv).</summary>
    public static string Exec(IReadOnlyList<string> argv) => string.Join(' ', argv.Select(Quote));

    // `iotedge logs --since` takes "15m" or "1d" as well as dates; journalctl reads "-15m" as that long ago (systemd.time:
    // s, m, h, d, w are time-span units), and a date as it is.
    private static string JournalSince(string since) => SinceValue.IsRelative(since) ? "-" + since : since;

    private static string Privileged(IReadOnlyList<string> argv) =>
        "$(test \"$(id -u)\" -eq 0 || echo sudo -n) " + string.Join(' ', argv.Select(Quote));

    /// <summary>A word for a POSIX shell: as it is when it is plainly safe, else in single quotes.</summary>
    public static string Quote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "@%+=:,./_-".Contains(c)))
        {
            return word;
        }

        var quoted = new StringBuilder("'");
        foreach (var c in word)
        {
            quoted.Append(c == '\'' ? "'\\''" : c);
        }

        return quoted.Append('\'').ToString();
    }
}
