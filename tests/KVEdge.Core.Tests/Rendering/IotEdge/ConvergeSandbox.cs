using System.Text;
using KVEdge.Core.Rendering.IotEdge;
using KVEdge.Core.Spec;
using KVEdge.Testing;

namespace KVEdge.Core.Tests.Rendering.IotEdge;

/// <summary>
/// Runs the real converge program (the embedded bytes the VM gets) against a scratch root with stand-in system
/// commands (mount, blkid, apt-get, dpkg-query, iotedge, systemctl ...) that record their calls and keep just enough
/// state (installed versions, mounts, filesystems) for its decisions to be observed. The real boot is the e2e harness's job.
/// </summary>
public sealed class ConvergeSandbox : IDisposable
{
    private const string Stub = """
        #!/bin/bash
        name=$(basename "$0")
        printf '%s %s\n' "$name" "$*" >> "$T/calls.log"
        case $name in
          mountpoint) grep -qxF "${@: -1}" "$T/mounts" 2>/dev/null; exit $? ;;
          mount)
            if [ "$1" = "-o" ]; then rm -rf "${4:?}"/*; mkdir -p "$4"; cp -r "$T/disks/$(basename "$3")/." "$4/"; echo "$4" >> "$T/mounts"
            elif [ "$1" = "--bind" ]; then echo "$3" >> "$T/mounts"
            else echo "$2" >> "$T/mounts"; fi ;;
          umount) grep -vxF "$1" "$T/mounts" > "$T/mounts.new" || true; mv "$T/mounts.new" "$T/mounts" ;;
          blkid) cat "$T/disks/$(basename "${@: -1}").fstype" 2>/dev/null || exit 2 ;;
          mkfs.ext4) echo ext4 > "$T/disks/$(basename "${@: -1}").fstype" ;;
          dpkg-query) f="$T/installed/${@: -1}"; [ -f "$f" ] || exit 1; echo "installed $(cat "$f")" ;;
          apt-get)
            case $1 in
              # As apt 2.6 (Debian 12) does with an unreachable source: errors on the output, exit code 0 (seen in tests/e2e).
              update) [ -e "$T/repo-down" ] && { echo "Err:1 http://repo.test noble InRelease"; echo "W: Failed to fetch http://repo.test/dists/noble/InRelease  Connection failed"; echo "W: Some index files failed to download. They have been ignored, or old ones used instead."; }; exit 0 ;;
              install) [ -x "$KVEDGE_ROOT/usr/sbin/policy-rc.d" ] && echo "policy-rc.d present" >> "$T/calls.log"; for a in "$@"; do case $a in *=*) [[ $a == -* ]] || echo "${a#*=}" > "$T/installed/${a%%=*}" ;; esac; done ;;
            esac ;;
          apt-cache) for v in $(cat "$T/repo/$2" 2>/dev/null); do echo " $2 | $v | http://repo.test noble/main amd64 Packages"; done ;;
          iotedge) [ "$1 $2" = "config apply" ] && exit "$(cat "$T/apply-rc" 2>/dev/null || echo 0)"; exit 0 ;;
          systemctl) [ "$1" = "is-active" ] && exit 3; exit 0 ;;
        esac
        exit 0
        """;

    private static readonly string[] StubNames =
        ["mountpoint", "mount", "umount", "blkid", "mkfs.ext4", "dpkg-query", "apt-get", "apt-cache", "apt-mark", "iotedge", "systemctl", "chown", "sleep"];

    public ConvergeSandbox()
    {
        Dir = Directory.CreateTempSubdirectory("kvedge-converge-").FullName;
        foreach (var d in new[] { "bin", "disks", "installed", "repo", "root/etc", "root/dev/disk/by-id" })
        {
            Directory.CreateDirectory(Path.Combine(Dir, d));
        }

        foreach (var name in StubNames)
        {
            var path = Path.Combine(Dir, "bin", name);
            File.WriteAllText(path, Stub.ReplaceLineEndings("\n") + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Where cloud-init's write_files puts the program and its units at the first boot.
        Script = Path.Combine(Root, "usr/local/lib/kvedge/kvedge-converge");
        InstallProgram(GuestFiles.Read(GuestFiles.Converge));
        foreach (var unit in new[] { GuestFiles.ConvergeUnit, GuestFiles.ApplyUnit })
        {
            InstallUnit(unit, GuestFiles.Read(unit));
        }

        File.WriteAllText(Path.Combine(Root, "etc/os-release"), "ID=ubuntu\nVERSION_ID=\"24.04\"\nVERSION_CODENAME=noble\n");
        Repository("moby-engine", "26.1.4-ubuntu24.04u1", "27.3.1-ubuntu24.04u1");
        Repository("aziot-identity-service", "1.5.6-1", "1.6.0-1");
        Repository("aziot-edge", "1.5.21-1", "1.6.0-1");
        foreach (var serial in new[] { "kvedge-data", "kvedge-config" })
        {
            File.WriteAllText(Path.Combine(Root, "dev/disk/by-id", "virtio-" + serial), "");
        }
    }

    public string Dir { get; }

    public string Root => Path.Combine(Dir, "root");

    public string Script { get; }

    public string Calls => File.Exists(Path.Combine(Dir, "calls.log")) ? File.ReadAllText(Path.Combine(Dir, "calls.log")) : "";

    /// <summary>Puts a program where cloud-init installed the converge program (an older version, in an upgrade test).</summary>
    public void InstallProgram(string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Script)!);
        File.WriteAllText(Script, text);
        File.SetUnixFileMode(Script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string UnitPath(string unit) => Path.Combine(Root, "etc/systemd/system", unit);

    public void InstallUnit(string unit, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(UnitPath(unit))!);
        File.WriteAllText(UnitPath(unit), text);
    }

    public void Repository(string package, params string[] versions) =>
        File.WriteAllText(Path.Combine(Dir, "repo", package), string.Join('\n', versions) + "\n");

    public void RepositoryDown(bool down)
    {
        var flag = Path.Combine(Dir, "repo-down");
        if (down)
        {
            File.WriteAllText(flag, "");
        }
        else
        {
            File.Delete(flag);
        }
    }

    /// <summary>Presents a device's config disk and credentials disk exactly as rendered.</summary>
    public void Attach(EdgeDevice device)
    {
        Write(Path.Combine(Dir, "disks", "virtio-kvedge-config"), GuestConfig.Files(device));
        var credentials = DeviceCredentials.Values(device.Spec.IotEdge!);
        var creds = Path.Combine(Root, "dev/disk/by-id/virtio-kvedge-creds");
        if (credentials.Count > 0)
        {
            Write(Path.Combine(Dir, "disks", "virtio-kvedge-creds"), credentials);
            File.WriteAllText(creds, "");
        }
        else
        {
            File.Delete(creds);
        }
    }

    /// <summary>What survives a reboot: disks and files; not mounts or /run.</summary>
    public void Reboot()
    {
        File.Delete(Path.Combine(Dir, "mounts"));
        var run = Path.Combine(Root, "run");
        if (Directory.Exists(run))
        {
            Directory.Delete(run, recursive: true);
        }

        File.Delete(Path.Combine(Dir, "calls.log"));
    }

    public ToolResult Run(params string[] args)
    {
        var bash = ExternalTool.Require("bash", "/bin/bash");
        var psi = new System.Diagnostics.ProcessStartInfo(bash) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Script);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["PATH"] = $"{Path.Combine(Dir, "bin")}:/usr/bin:/bin";
        psi.Environment["T"] = Dir;
        psi.Environment["KVEDGE_ROOT"] = Root;
        psi.Environment["KVEDGE_DISK_WAIT_SECONDS"] = "0";
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return new ToolResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    public string Installed(string package) => File.ReadAllText(Path.Combine(Dir, "installed", package)).Trim();

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    private static void Write(string dir, IDictionary<string, string> files)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        foreach (var (name, content) in files)
        {
            File.WriteAllText(Path.Combine(dir, name), content, new UTF8Encoding(false));
        }
    }
}
