#!/bin/sh
# stand-in systemctl: `systemctl show -p ActiveState|SubState --value UNIT`, from files a test writes.
state=$KVEDGE_ROOT/var/lib/kvedge-standin
case "$3" in
ActiveState) cat "$state/converge-active" 2>/dev/null || echo active ;;
SubState) echo exited ;;
*) echo "systemctl (stand-in): $*" >&2 ;;
esac
