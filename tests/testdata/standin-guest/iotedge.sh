#!/bin/sh
# stand-in iotedge for the stand-in guest: the real CLI's output formats. `system status` as aziotctl prints it
# (Azure/iot-identity-service aziotctl/aziotctl-common/src/system/status.rs: per service `systemctl is-active`'s answer
# shown as Running (active), Ready (inactive, a socket-activated service nobody has called yet; a unit that does not
# exist answers inactive too) or "Down - <answer> <stderr>", then for each Down service its journal); `list` as
# learn.microsoft.com/azure/iot-edge how-to-provision-single-device-linux-symmetric "Verify successful configuration"
# shows it; edgeHub exists only once a deployment has arrived (Azure/iotedge release/1.5 EdgeAgentConnection.cs: an
# empty twin is ConfigEmptyException, 417), which a test says by writing the deployment file; `support-bundle --output -`
# writes the zip to stdout (iotedge/src/main.rs). Services' and modules' states are files a test writes.
state=$KVEDGE_ROOT/var/lib/kvedge-standin
case "$1 ${2:-}" in
"system status")
  echo "System services:"
  for service in aziot-edged aziot-identityd aziot-keyd aziot-certd aziot-tpmd; do
    case $(cat "$state/services/$service" 2>/dev/null || echo inactive) in
    active) shown=Running ;;
    inactive) shown=Ready ;;
    *) shown="Down - $(cat "$state/services/$service") " ;;
    esac
    printf '    %-24s%s\n' "$service" "$shown"
  done
  echo
  for service in aziot-edged aziot-identityd aziot-keyd aziot-certd aziot-tpmd; do
    case $(cat "$state/services/$service" 2>/dev/null || echo inactive) in
    active | inactive) ;;
    *)
      echo "$service is in a bad state because:"
      echo "$service.service: Down - $(cat "$state/services/$service") : Printing the last 10 log lines."
      echo "Dec 06 10:00:00 edge-01 ${service}[212]: $service (stand-in): exiting"
      echo
      ;;
    esac
  done
  echo "Use 'iotedge system logs' to check for non-fatal errors."
  echo "Use 'iotedge check' to diagnose connectivity and configuration issues."
  ;;
"list "*)
  printf '%-17s%-17s%-17s%s\n' NAME STATUS DESCRIPTION CONFIG
  for module in edgeAgent edgeHub; do
    file=$state/modules/$module
    [ "$module" = edgeAgent ] || [ -f "$state/deployment" ] || continue
    [ -f "$file" ] || continue
    status=$(cat "$file")
    printf '%-17s%-17s%-17s%s\n' "$module" "$status" "$([ "$status" = running ] && echo 'Up 2 minutes' || echo 'Stopped')" "mcr.microsoft.com/azureiotedge-stand-in:1.5.21"
  done
  ;;
"version "*) echo "iotedge 1.5.21" ;;
"logs "*)
  # A module iotedge list does not show has no logs (edgeHub before a deployment).
  if ! { [ "$2" = edgeAgent ] || [ -f "$state/deployment" ]; } || [ ! -f "$state/modules/$2" ]; then
    echo "Error: module $2 not found" >&2
    exit 1
  fi
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
