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
    // Each behaviour below is the stock Ubuntu cloud image's or apt's, as ../shared/reference/stock-guest-behaviour.md
    // describes it (with its upstream sources): the dpkg lock held by unattended-upgrades at first boot, lists that know
    // nothing of the distribution's packages until a full update, `useradd -r` giving the next free system ID.
    private const string Stub = """
        #!/bin/bash
        name=$(basename "$0")
        printf '%s %s\n' "$name" "$*" >> "$T/calls.log"
        # getent/useradd/groupadd/id/usermod work on $T/passwd and $T/group (name:x:id:... lines), never the host's.
        lookup() { awk -F: -v k="$2" '$1 == k || $3 == k { print; found = 1 } END { exit !found }' "$T/$1" 2>/dev/null; }
        next_id() { local i; for ((i = 999; i > 100; i--)); do lookup "$1" "$i" >/dev/null || { echo "$i"; return; }; done; }
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
            sub="" timeout="" narrow="" simulate="" pkgs=()
            while [ $# -gt 0 ]; do
              case $1 in
                -o) [[ $2 == DPkg::Lock::Timeout=* ]] && timeout=${2#*=}; [ "$2" = "Dir::Etc::sourceparts=-" ] && narrow=1; shift ;;
                -s) simulate=1 ;;
                -*) ;;
                *) if [ -z "$sub" ]; then sub=$1; else pkgs+=("$1"); fi ;;
              esac
              shift
            done
            # unattended-upgrades at first boot: without DPkg::Lock::Timeout apt gives up at once.
            if [ -e "$T/dpkg-locked" ] && [ -z "$simulate" ] && [ "$sub" != update ]; then
              if [ -z "$timeout" ]; then echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)" >&2; exit 100; fi
              echo "Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)" >&2
              rm -f "$T/dpkg-locked"; echo "waited for the dpkg lock" >> "$T/calls.log"
            fi
            case $sub in
              update)
                # As apt 2.6 (Debian 12) does with an unreachable source: errors on the output, exit code 0 (seen in tests/e2e).
                # A repository signed by another key than signed-by names, as apt 2.6.1 reports it (run here against
                # a file: repository signed with a second key; the guest's apt is 2.6 too).
                if [ -e "$T/repo-other-key" ] && [ -n "$narrow" ]; then
                  echo "Err:1 http://repo.test noble InRelease"
                  echo "  The following signatures couldn't be verified because the public key is not available: NO_PUBKEY 9B307872E54194CA"
                  echo "W: GPG error: http://repo.test noble InRelease: The following signatures couldn't be verified because the public key is not available: NO_PUBKEY 9B307872E54194CA"
                  echo "E: The repository 'http://repo.test noble InRelease' is not signed."
                  exit 100
                fi
                fails=$(cat "$T/repo-fails" 2>/dev/null || echo 0)
                if [ -e "$T/repo-down" ] || [ "$fails" -gt 0 ]; then
                  [ "$fails" -gt 0 ] && echo $((fails - 1)) > "$T/repo-fails"
                  echo "Err:1 http://repo.test noble InRelease"; echo "W: Failed to fetch http://repo.test/dists/noble/InRelease  Connection failed"; echo "W: Some index files failed to download. They have been ignored, or old ones used instead."
                  exit 0
                fi
                [ -n "$narrow" ] || rm -f "$T/lists-stale"
                [ -n "$narrow" ] || touch "$T/lists-full" ;;
              install)
                # The stock image's lists know nothing of the distribution's packages these need until a full update.
                if [ ! -e "$T/lists-full" ]; then
                  for a in "${pkgs[@]}"; do
                    if grep -qxF "${a%%=*}" "$T/needs-distribution" 2>/dev/null; then
                      echo "The following packages have unmet dependencies:"; echo " ${a%%=*} : Depends: libtss2-esys-3.0.2-0 but it is not installable"
                      echo "E: Unable to correct problems, you have held broken packages." >&2; exit 100
                    fi
                  done
                fi
                [ -n "$simulate" ] && exit 0
                # Lists older than the mirror: they name a file it no longer has (apt 2.6's words; a full update heals).
                if [ -e "$T/lists-stale" ]; then
                  echo "Err:1 http://repo.test noble/main amd64 libtss2-mu0t64 amd64 4.0.1-7.1ubuntu5"; echo "  404  Not Found [IP: 10.0.0.1 80]"
                  echo "E: Failed to fetch http://repo.test/pool/main/t/tpm2-tss/libtss2-mu0t64_4.0.1-7.1ubuntu5_amd64.deb  404  Not Found [IP: 10.0.0.1 80]" >&2
                  echo "E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?" >&2
                  exit 100
                fi
                [ -x "$KVEDGE_ROOT/usr/sbin/policy-rc.d" ] && echo "policy-rc.d present" >> "$T/calls.log"
                for a in "${pkgs[@]}"; do case $a in *=*) echo "${a#*=}" > "$T/installed/${a%%=*}" ;; *) echo "1:7.2+dfsg-7" > "$T/installed/$a" ;; esac; done ;;
            esac ;;
          apt-cache) for v in $(cat "$T/repo/$2" 2>/dev/null); do echo " $2 | $v | http://repo.test noble/main amd64 Packages"; done ;;
          iotedge) [ "$1 $2" = "config apply" ] && exit "$(cat "$T/apply-rc" 2>/dev/null || echo 0)"; exit 0 ;;
          systemctl) [ "$1" = "is-active" ] && exit 3; exit 0 ;;
          getent) lookup "$1" "$2"; exit $? ;;
          groupadd) gid=""; while [ $# -gt 1 ]; do [ "$1" = "--gid" ] && gid=$2; shift; done; gid=${gid:-$(next_id group)}
            lookup group "$gid" >/dev/null && { echo "groupadd: GID '$gid' already exists" >&2; exit 4; }; echo "$1:x:$gid:" >> "$T/group" ;;
          useradd) uid="" group=""; while [ $# -gt 1 ]; do case $1 in --uid) uid=$2 ;; --gid) group=$2 ;; esac; shift; done; uid=${uid:-$(next_id passwd)}
            lookup passwd "$uid" >/dev/null && { echo "useradd: UID $uid is not unique" >&2; exit 4; }
            echo "$1:x:$uid:$(lookup group "$group" | cut -d: -f3)::/nonexistent:/usr/sbin/nologin" >> "$T/passwd" ;;
          usermod) awk -F: -v OFS=: -v g="$2" -v u="$3" '$1 == g { $4 = ($4 == "" ? u : $4 "," u) } { print }' "$T/group" > "$T/group.new"; mv "$T/group.new" "$T/group" ;;
          id) line=$(lookup passwd "$2") || exit 1
            if [ "$1" = "-u" ]; then echo "$line" | cut -d: -f3
            else awk -F: -v u="$2" -v g="$(echo "$line" | cut -d: -f4)" '$3 == g || ("," $4 ",") ~ ("," u ",") { printf "%s ", $1 }' "$T/group"; echo; fi ;;
          # Ownership by name is only recorded; by number (the re-owning of state) it is real.
          chown|chgrp) [ "$1" = "-h" ] && owner=$2 || owner=$1; [[ $owner =~ ^[0-9]+(:[0-9]+)?$ ]] && exec "/bin/$name" "$@" ;;
        esac
        exit 0
        """;

    private static readonly string[] StubNames =
        ["mountpoint", "mount", "umount", "blkid", "mkfs.ext4", "dpkg-query", "apt-get", "apt-cache", "apt-mark", "iotedge", "systemctl", "chown", "chgrp", "sleep",
         "getent", "groupadd", "useradd", "usermod", "id", "udevadm"];

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
        // A stock image's accounts: root, a system user at the top of the range (as `useradd -r` leaves them), the admin.
        File.WriteAllText(Path.Combine(Dir, "passwd"), "root:x:0:0::/root:/bin/bash\nlxd:x:999:100::/var/snap/lxd:/bin/false\nubuntu:x:1000:1000::/home/ubuntu:/bin/bash\n");
        File.WriteAllText(Path.Combine(Dir, "group"), "root:x:0:\nusers:x:100:\nsystemd-journal:x:999:\nubuntu:x:1000:\n");
        // What the narrow update of the IoT Edge repository cannot resolve on a stock image (its Depends are the distribution's).
        File.WriteAllText(Path.Combine(Dir, "needs-distribution"), "qemu-guest-agent\naziot-identity-service\ntpm2-tools\n");
        Repository("moby-engine", "26.1.4-ubuntu24.04u1", "27.3.1-ubuntu24.04u1");
        // moby-engine's dependencies, each with a newer line than the pin (Azure/moby-packaging builds containerd 2.x).
        Repository("moby-containerd", "1.7.23-ubuntu24.04u1", "2.0.0-ubuntu24.04u1");
        Repository("moby-runc", "1.1.14-ubuntu24.04u1", "1.2.2-ubuntu24.04u1");
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

    /// <summary>The next <paramref name="times"/> updates fail as an unreachable repository does, then it answers.</summary>
    public void RepositoryFails(int times) => File.WriteAllText(Path.Combine(Dir, "repo-fails"), times.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>unattended-upgrades holds the dpkg lock (until an apt call that is willing to wait takes it).</summary>
    /// <summary>The guest's lists are complete but older than the mirror: an install fetches a file that is gone.</summary>
    public void StaleLists()
    {
        File.WriteAllText(Path.Combine(Dir, "lists-full"), "");
        File.WriteAllText(Path.Combine(Dir, "lists-stale"), "");
    }

    /// <summary>The repository is signed by another key than the one signed-by names.</summary>
    public void RepositorySignedByAnotherKey() => File.WriteAllText(Path.Combine(Dir, "repo-other-key"), "");

    public void HoldDpkgLock() => File.WriteAllText(Path.Combine(Dir, "dpkg-locked"), "");

    /// <summary>The accounts of the image: <c>name:x:id:...</c> lines of passwd or group.</summary>
    public string Accounts(string file) => File.ReadAllText(Path.Combine(Dir, file));

    public void SetAccounts(string file, string text) => File.WriteAllText(Path.Combine(Dir, file), text);

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

    /// <summary>A device of tests/testdata/iotedge/modes.yaml, one per provisioning mode.</summary>
    public static EdgeDevice Mode(string name) =>
        KVEdge.Core.Tests.Rendering.RenderFixtures.Render("tests/testdata/iotedge/modes.yaml").Specs.Single(s => s.Value.Metadata.Name == name).Value;

    /// <summary>One boot: the converge unit, then (as systemd orders it) the apply unit; both must succeed.</summary>
    public ToolResult Boot()
    {
        var converge = Run();
        Assert.True(converge.ExitCode == 0, converge.StdOut + converge.StdErr);
        var apply = Run("--apply");
        Assert.True(apply.ExitCode == 0, apply.StdOut + apply.StdErr);
        return new ToolResult(0, converge.StdOut + apply.StdOut, converge.StdErr + apply.StdErr);
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
