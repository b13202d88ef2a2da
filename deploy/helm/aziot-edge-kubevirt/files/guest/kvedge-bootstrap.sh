#!/bin/sh
# KVEdge first-boot bootstrap: cloud-init runs it once per instance (runcmd). It installs the converge program and its
# units from the config disk (the ConfigMap NAME-config, disk serial kvedge-config) and starts them. The program travels
# only on that disk, never in the user-data: one copy per device, and the copy a kvedge upgrade replaces (at every later
# boot the installed program updates itself from the same disk).
set -eu
disk=/dev/disk/by-id/virtio-kvedge-config
# The disk appears under /dev/disk/by-id once udev has seen it; give a slow boot time, as the converge program does.
i=0
while [ ! -e "$disk" ]; do
  i=$((i + 1))
  if [ "$i" -gt 120 ]; then
    echo "kvedge-bootstrap: the config disk (serial kvedge-config) is missing; is the ConfigMap attached to the VM?" >&2
    exit 1
  fi
  sleep 1
done
mnt=$(mktemp -d)
mount -o ro "$disk" "$mnt"
status=0
{
  install -D -m 0755 "$mnt/kvedge-converge" /usr/local/lib/kvedge/kvedge-converge &&
    install -m 0755 "$mnt/kvedge-health" /usr/local/lib/kvedge/kvedge-health &&
    install -m 0644 "$mnt/kvedge-converge.service" "$mnt/kvedge-apply.service" /etc/systemd/system/
} || status=$?
# Unmounted before the units start: the converge program mounts the disk itself.
umount "$mnt"
rmdir "$mnt"
[ "$status" = 0 ] || exit "$status"
systemctl daemon-reload
systemctl enable kvedge-converge.service kvedge-apply.service
systemctl start --no-block kvedge-converge.service kvedge-apply.service
