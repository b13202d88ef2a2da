#!/usr/bin/env bash
# Builds (once, then from cache) the Debian 12 guest the end-to-end harness boots: systemd, the cloud kernel,
# cloud-init and openssh-server, nothing else. Prints the folder holding root.qcow2, root-other.qcow2, vmlinuz,
# initrd.img and debian/. The cache key is this file's own hash, so changing the recipe rebuilds it.
#
# The guest is made as unkind as the stock Ubuntu cloud image a user boots (../shared/reference/stock-guest-behaviour.md):
#   * no qemu-guest-agent (Ubuntu's cloud images ship none; kubevirt/containerdisks artifacts/ubuntu/ubuntu.go);
#   * empty package lists, and a sources.list naming only the distribution's archive, which the harness serves from
#     debian/ (a local mirror with exactly the packages this image lacks: the guest agent, the identity service's
#     libtss2-*, tpm-udev and psmisc, aziot-edge's adduser and ca-certificates, the tpm2-tools `kvedge tpm ek` runs,
#     and their dependencies);
#   * a unit that holds the dpkg lock from early in the first boot, as unattended-upgrades does (canonical/cloud-init#2908);
#   * root-other.qcow2: the same system whose system users were created in another order, one of them on an ID
#     kvedge would like for aziot (images differ in which system users they have; `useradd -r` takes the next free ID).
#
# Its standard output is its result (run.sh reads it as the image folder), so every tool's output goes to stderr:
# fd 3 is the result channel, and stdout is stderr from here on (mkfs.ext4 -d, for one, prints on stdout).
#
#   tests/e2e/guest-image.sh [CACHE_DIR]     (default: $KVEDGE_E2E_CACHE or ~/.cache/kvedge/e2e)
set -euo pipefail
exec 3>&1 1>&2

cache_root=${1:-${KVEDGE_E2E_CACHE:-$HOME/.cache/kvedge/e2e}}
recipe_hash=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
out=$cache_root/guest-$recipe_hash
if [ -f "$out/ready" ]; then
  printf '%s\n' "$out" >&3
  exit 0
fi

mirror=${KVEDGE_E2E_DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=(
  systemd-sysv udev linux-image-cloud-amd64 cloud-init python3-cffi-backend locales openssh-server
  ifupdown isc-dhcp-client netbase iproute2 sudo e2fsprogs
)
# What the device must fetch from the distribution at first boot (with their dependencies): the mirror's contents.
distribution_packages=(
  qemu-guest-agent libtss2-esys-3.0.2-0 libtss2-mu0 libtss2-rc0 libtss2-tctildr0 tpm-udev psmisc adduser ca-certificates
  hostname sed tpm2-tools
)

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi

work=$(mktemp -d "${TMPDIR:-/tmp}/kvedge-guest.XXXXXX")
trap '"${sudo[@]}" rm -rf "$work"' EXIT
rootfs=$work/rootfs

echo "e2e: building the Debian 12 guest image (debootstrap, a few minutes; cached in $out)" >&2
include=$(
  IFS=,
  printf '%s' "${packages[*]}"
)
"${sudo[@]}" debootstrap --variant=minbase --include="$include" bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 40 "$work/debootstrap.log" >&2
  exit 1
}

# The local distribution mirror: what apt in this very system would fetch for those packages, so it holds exactly what
# the image lacks. The snapshot archive this machine uses has expired Release dates, hence Check-Valid-Until.
apt_in_guest=("${sudo[@]}" chroot "$rootfs" apt-get -q -o Acquire::Check-Valid-Until=false)
"${sudo[@]}" rm -f "$rootfs"/var/cache/apt/archives/*.deb # debootstrap's own downloads
if ! { "${apt_in_guest[@]}" update && "${apt_in_guest[@]}" install -y --download-only --no-install-recommends "${distribution_packages[@]}"; } >"$work/mirror.log" 2>&1; then
  tail -n 40 "$work/mirror.log" >&2
  exit 1
fi
mkdir -p "$work/out/debian/pool" "$work/out/debian/dists/bookworm/main/binary-amd64"
"${sudo[@]}" cp "$rootfs"/var/cache/apt/archives/*.deb "$work/out/debian/pool/"
"${sudo[@]}" chown -R "$(id -u):$(id -g)" "$work/out/debian"
(cd "$work/out/debian" && dpkg-scanpackages --multiversion pool /dev/null 2>/dev/null >dists/bookworm/main/binary-amd64/Packages)
gzip -9nk "$work/out/debian/dists/bookworm/main/binary-amd64/Packages"
{
  printf 'Origin: kvedge-e2e\nLabel: Debian packages the e2e guest lacks (a local mirror)\nSuite: bookworm\nCodename: bookworm\n'
  printf 'Architectures: amd64 all\nComponents: main\nDate: Thu, 01 Jan 2026 00:00:00 UTC\nSHA256:\n'
  for f in main/binary-amd64/Packages main/binary-amd64/Packages.gz; do
    printf ' %s %s %s\n' "$(sha256sum "$work/out/debian/dists/bookworm/$f" | cut -d' ' -f1)" "$(stat -c %s "$work/out/debian/dists/bookworm/$f")" "$f"
  done
} >"$work/out/debian/dists/bookworm/Release"
# The guest reaches it at 10.0.2.100 (qemu guestfwd, run.sh). It is unsigned: trusted=yes, for this test mirror only.
echo 'deb [trusted=yes] http://10.0.2.100/debian bookworm main' | "${sudo[@]}" tee "$rootfs/etc/apt/sources.list" >/dev/null

# unattended-upgrades at a first boot: the dpkg lock is held from early on. So that a test sees converge wait for it
# (and not race past it), this holder lets go only once an `apt-get install` has waited on it for 10 s (at most 10 min).
# apt locks with fcntl(F_SETLK) (apt-pkg/contrib/fileutl.cc GetLock), so the holder does too; flock(1) would not block it.
"${sudo[@]}" tee "$rootfs/usr/local/sbin/e2e-dpkg-lock" >/dev/null <<'EOF'
#!/usr/bin/python3
import fcntl, glob, os, time
lock = open("/var/lib/dpkg/lock-frontend", "w")
fcntl.lockf(lock, fcntl.LOCK_EX)
print("e2e-dpkg-lock: holding /var/lib/dpkg/lock-frontend, as unattended-upgrades does after a first boot", flush=True)
deadline, waiting = time.time() + 600, None
while time.time() < deadline:
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            argv = open(cmdline, "rb").read().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"apt-get") and b"install" in argv and b"-s" not in argv:
            waiting = waiting or (time.time(), cmdline.split("/")[2])
    if waiting and time.time() - waiting[0] >= 10:
        print(f"e2e-dpkg-lock: apt-get install (pid {waiting[1]}) waited 10 s for the lock; releasing it", flush=True)
        break
    time.sleep(0.5)
open("/var/lib/e2e-dpkg-lock.done", "w").close()
EOF
"${sudo[@]}" chmod 0755 "$rootfs/usr/local/sbin/e2e-dpkg-lock"
printf '%s\n' '[Unit]' 'Description=e2e: hold the dpkg lock at first boot, as unattended-upgrades does' \
  'ConditionPathExists=!/var/lib/e2e-dpkg-lock.done' 'After=local-fs.target' \
  '[Service]' 'ExecStart=/usr/local/sbin/e2e-dpkg-lock' 'StandardOutput=journal+console' \
  '[Install]' 'WantedBy=multi-user.target' | "${sudo[@]}" tee "$rootfs/etc/systemd/system/e2e-dpkg-lock.service" >/dev/null
"${sudo[@]}" mkdir -p "$rootfs/etc/systemd/system/multi-user.target.wants"
"${sudo[@]}" ln -sf ../e2e-dpkg-lock.service "$rootfs/etc/systemd/system/multi-user.target.wants/e2e-dpkg-lock.service"

# NoCloud only: the guest never probes for a cloud it is not on (KubeVirt presents NoCloud as a cidata disk).
echo 'datasource_list: [ NoCloud, None ]' | "${sudo[@]}" tee "$rootfs/etc/cloud/cloud.cfg.d/90_dpkg.cfg" >/dev/null
printf 'LABEL=root / ext4 defaults,errors=remount-ro 0 1\n' | "${sudo[@]}" tee "$rootfs/etc/fstab" >/dev/null
# cloud-init's locale module sets en_US.UTF-8; without it generated, cloud-init ends in an error.
"${sudo[@]}" sed -i 's/^# en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' "$rootfs/etc/locale.gen"
"${sudo[@]}" chroot "$rootfs" locale-gen >/dev/null
# ... and set it as the default, so cloud-init finds it in place instead of generating it again at every new instance
# (20 s of each first boot under software emulation).
echo 'LANG=en_US.UTF-8' | "${sudo[@]}" tee "$rootfs/etc/default/locale" >/dev/null
# A persistent journal, so a test can read what earlier boots logged.
"${sudo[@]}" mkdir -p "$rootfs/var/log/journal"
# Empty lists, as a stock image may have them: apt knows nothing until an update.
"${sudo[@]}" rm -f "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin
"${sudo[@]}" find "$rootfs/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete
# The image must not carry this machine's identity or host keys; cloud-init makes new ones at first boot.
"${sudo[@]}" rm -f "$rootfs"/etc/ssh/ssh_host_* "$rootfs/etc/machine-id" "$rootfs/var/lib/dbus/machine-id"
"${sudo[@]}" touch "$rootfs/etc/machine-id"

kernel=$(find "$rootfs/boot" -name 'vmlinuz-*' | sort | tail -n 1)
initrd=$(find "$rootfs/boot" -name 'initrd.img-*' | sort | tail -n 1)
if [ -z "$kernel" ] || [ -z "$initrd" ]; then
  echo "e2e: the guest has no kernel or initrd under /boot" >&2
  exit 1
fi

"${sudo[@]}" mkfs.ext4 -q -F -L root -d "$rootfs" "$work/root.raw" 2G
mkdir -p "$work/out"
qemu-img convert -c -O qcow2 "$work/root.raw" "$work/out/root.qcow2"
rm -f "$work/root.raw"

# The other image: system users made in another order before anything of ours, one of them on uid/gid 483 (the ID
# kvedge-converge gives aziotid), so a VM re-created on it sees its aziot state under IDs it no longer has.
for user in e2e-chrony e2e-tss e2e-other:483 e2e-lxd; do
  id_option=()
  [ "${user#*:}" = "$user" ] || id_option=(--uid "${user#*:}" --user-group)
  "${sudo[@]}" chroot "$rootfs" useradd --system "${id_option[@]}" --no-create-home --shell /usr/sbin/nologin "${user%%:*}"
done
"${sudo[@]}" mkfs.ext4 -q -F -L root -d "$rootfs" "$work/root-other.raw" 2G
qemu-img convert -O qcow2 "$work/root-other.raw" "$work/out/root-other.qcow2"
rm -f "$work/root-other.raw"
"${sudo[@]}" cp "$kernel" "$work/out/vmlinuz"
"${sudo[@]}" cp "$initrd" "$work/out/initrd.img"
"${sudo[@]}" chmod 0644 "$work/out/vmlinuz" "$work/out/initrd.img"
# shellcheck disable=SC2016 # dpkg-query's own format, not shell
"${sudo[@]}" chroot "$rootfs" dpkg-query -W -f='${Package} ${Version}\n' >"$work/out/packages.txt"

mkdir -p "$cache_root"
rm -rf "$out"
mv "$work/out" "$out"
touch "$out/ready"
printf '%s\n' "$out" >&3
