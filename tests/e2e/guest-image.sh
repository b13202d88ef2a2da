#!/usr/bin/env bash
# Builds (once, then from cache) the Debian 12 guest the end-to-end harness boots: systemd, the cloud kernel,
# cloud-init, openssh-server and the qemu guest agent, nothing else. Prints the folder holding root.qcow2, vmlinuz and
# initrd.img. The cache key is this file's own hash, so changing the recipe rebuilds it.
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
  ifupdown isc-dhcp-client netbase iproute2 sudo qemu-guest-agent e2fsprogs
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
"${sudo[@]}" rm -f "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*_Packages
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
