#!/bin/sh
# stand-in iotedge for the stand-in guest: the real CLI's output formats (learn.microsoft.com/azure/iot-edge,
# how-to-provision-single-device-linux-symmetric "Verify successful configuration"; iotedge support-bundle --output -
# writes the zip to stdout, iotedge/src/main.rs). Modules' states are files a test writes.
state=$KVEDGE_ROOT/var/lib/kvedge-standin
case "$1 ${2:-}" in
"system status")
  echo "System services:"
  for service in aziot-edged aziot-identityd aziot-keyd aziot-certd aziot-tpmd; do
    printf '    %-24s%s\n' "$service" "$(cat "$state/services/$service" 2>/dev/null || echo Stopped)"
  done
  ;;
"list "*)
  printf '%-17s%-17s%-17s%s\n' NAME STATUS DESCRIPTION CONFIG
  for file in "$state"/modules/*; do
    [ -f "$file" ] || continue
    printf '%-17s%-17s%-17s%s\n' "$(basename "$file")" "$(cat "$file")" Up "mcr.microsoft.com/azureiotedge-stand-in:1.5.21"
  done
  ;;
"version "*) echo "iotedge 1.5.21" ;;
"logs "*)
  [ -f "$state/modules/$2" ] || {
    echo "Error: module $2 not found" >&2
    exit 1
  }
  shift 2
  echo "<6> edgeHub (stand-in): started; args: $*"
  ;;
"support-bundle "*)
  [ "$3" = "-" ] || exit 2
  printf 'PK stand-in support bundle; args: %s\n' "$*"
  ;;
*)
  echo "iotedge (stand-in): unknown command $*" >&2
  exit 2
  ;;
esac
