#!/bin/bash
# kvedge-health: is IoT Edge healthy on this device? The VM's KubeVirt readinessProbe runs it through the guest agent
# (guest-exec, as root), so the VMI's Ready condition and the Service's endpoints mean "IoT Edge is healthy"; `kvedge
# health` runs it over SSH.
#
#   kvedge-health          exit 0 and "healthy" (or "healthy, no deployment yet: WHAT THAT MEANS"), or exit 1 and one
#                          line: "converging: WHY" or "failed: WHY"
#   kvedge-health --json   the same verdict with the runtime version, the provisioning state, whether a deployment has
#                          arrived, each aziot service's and each module's state, as one JSON object
#
# Healthy means: the converge program succeeded for the config disk this boot sees, its config is applied, the aziot
# services are up (`iotedge system status`: aziot-edged Running, the socket-activated identity services Running or
# Ready), edgeAgent runs, and edgeHub runs once a deployment has created it (`iotedge list`). A new device has no
# deployment: aziot-edged starts edgeAgent alone, which reports 417 ("the device's deployment configuration is not
# set") until the device's IoT Hub deployment is set, and only that deployment creates edgeHub
# (Azure/iotedge release/1.5 edge-agent/src/Microsoft.Azure.Devices.Edge.Agent.IoTHub/EdgeAgentConnection.cs,
# ConfigEmptyException). That device is healthy, with a note: it is as far as the device itself can get.
# It only reads: it never starts, restarts or changes anything, and it never prints a credential (it reads no secret,
# and its reasons are its own words or the converge program's, which prints none).
set -uo pipefail
export LC_ALL=C

ROOT=${KVEDGE_ROOT:-}
RUN=$ROOT/run/kvedge
STATE=$ROOT/var/lib/kvedge
CONFIG_DISK=$ROOT/dev/disk/by-id/virtio-kvedge-config
# The whole program answers inside the probe's timeoutSeconds (10 s, HealthProbe.TimeoutSeconds; KubeVirt's
# virt-probe gives guest-exec that long): every command it runs gets what is left of BUDGET seconds and is killed half
# a second after that, so a hung aziot-edged (iotedge list waits on its socket) is a failed probe with a reason, not a
# probe KubeVirt gives up on with none.
BUDGET=${KVEDGE_HEALTH_BUDGET:-8}
# What `iotedge system status` lists. aziot-edged runs the modules: it must be Running. The identity services are
# socket-activated and idle as "Ready" (systemctl inactive) until a client connects
# (Azure/iot-identity-service aziotctl/aziotctl-common/src/system/status.rs: active Running, inactive Ready, anything
# else "Down - <systemctl is-active>").
SERVICES=(aziot-edged aziot-identityd aziot-keyd aziot-certd aziot-tpmd)

json=0
case ${1:-} in
--json) json=1 ;;
"") ;;
*)
  echo "usage: kvedge-health [--json]" >&2
  exit 2
  ;;
esac

state=healthy
reason=""
note=""
deployment=unknown
version=""
provisioning="unknown"
declare -A service_state=()
module_names=()
declare -A module_state=()

# verdict STATE WHY: the first problem found is the one reported
verdict() {
  if [ "$state" = healthy ]; then
    state=$1
    reason=$2
  fi
}

# One line, printable ASCII, bounded: what a probe's message and a status column can carry.
clean() { tr -c '[:print:]' ' ' <<<"$1" | cut -c1-200 | sed 's/ *$//'; }

json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# Microseconds since the epoch (EPOCHREALTIME without its locale's decimal point).
now_us() {
  local t=$EPOCHREALTIME
  echo $((10#${t//[!0-9]/}))
}
deadline=$(($(now_us) + BUDGET * 1000000))

# bounded COMMAND...: runs COMMAND with the time left of the budget; exit 124 (as timeout's) when it ran out or none
# was left.
bounded() {
  local left=$((deadline - $(now_us))) rc
  [ "$left" -gt 100000 ] || return 124
  timeout -k 0.5 "$((left / 1000000)).$(printf '%06d' $((left % 1000000)))" "$@"
  rc=$?
  [ "$rc" -ne 137 ] || rc=124
  return "$rc"
}

# capture VAR COMMAND...: VAR gets COMMAND's output (stdout; with capture_all, stderr too), bounded; its exit code is
# COMMAND's, and running out of time is the verdict.
capture() { capture_into 2 "$@"; }
capture_all() { capture_into 1 "$@"; }
# shellcheck disable=SC2034 # captured is a name reference: the caller's variable is set
capture_into() {
  local errors=$1 rc
  local -n captured=$2
  shift 2
  if [ "$errors" = 1 ]; then captured=$(bounded "$@" 2>&1); else captured=$(bounded "$@" 2>/dev/null); fi
  rc=$?
  [ "$rc" -ne 124 ] || verdict failed "'$*' did not answer within the probe's ${BUDGET} s"
  return "$rc"
}

check_converge() {
  local active sub journal error disk apply
  capture active systemctl show -p ActiveState --value kvedge-converge.service
  capture sub systemctl show -p SubState --value kvedge-converge.service
  capture journal journalctl -b -u kvedge-converge.service --no-pager -o cat
  [ "$state" = healthy ] || return 0
  error=$(grep 'kvedge-converge: ERROR' <<<"$journal" | tail -n 1)
  error=${error#*ERROR: }
  case "$active/$sub" in
  active/*) ;;
  activating/auto-restart) verdict failed "converge failed, systemd retries it: ${error:-see journalctl -u kvedge-converge}" ;;
  activating/*) verdict converging "the converge program is running (journalctl -u kvedge-converge)" ;;
  failed/*) verdict failed "converge failed: ${error:-see journalctl -u kvedge-converge}" ;;
  *) verdict converging "the converge program has not run this boot (kvedge-converge.service is ${active:-unknown})" ;;
  esac
  [ "$state" = healthy ] || return 0
  # The converge program records the config disk it converged to (its SHA-256): a disk it has not seen is not healthy.
  if [ ! -f "$RUN/converged" ]; then
    verdict converging "the converge program has not finished for this boot's config disk"
    return 0
  fi
  if [ -e "$CONFIG_DISK" ]; then
    capture disk sha256sum "$CONFIG_DISK"
    [ "$state" = healthy ] || return 0
  fi
  if [ -e "$CONFIG_DISK" ] && [ "${disk%% *}" != "$(cat "$RUN/converged")" ]; then
    verdict converging "the config disk changed since the converge program ran"
  elif [ -f "$RUN/apply-needed" ]; then
    capture apply systemctl show -p ActiveState --value kvedge-apply.service
    case $apply in
    failed) verdict failed "iotedge config apply failed (journalctl -u kvedge-apply)" ;;
    *) verdict converging "the IoT Edge configuration is not applied yet" ;;
    esac
  elif [ ! -f "$STATE/applied.sha256" ]; then
    verdict converging "the IoT Edge configuration has never been applied"
  fi
}

check_services() {
  local out line name status in_list=0
  if ! capture_all out iotedge system status; then
    verdict failed "iotedge system status failed: $(clean "$(tail -n 1 <<<"$out")")"
    return 0
  fi
  # "System services:", then "    NAME<padding>STATE" per service up to a blank line; after it, for each service that
  # is Down, "NAME is in a bad state because:" and its journal, which is not read as states.
  while IFS= read -r line; do
    if [ "$in_list" = 0 ]; then
      [ "$line" = "System services:" ] && in_list=1
      continue
    fi
    [ -n "${line// /}" ] || break
    read -r name status <<<"$line"
    case $name in aziot-*) service_state[$name]=$(clean "$status") ;; esac
  done <<<"$out"
  for name in "${SERVICES[@]}"; do
    status=${service_state[$name]:-missing from iotedge system status}
    if [ "$name" = aziot-edged ] && [ "$status" = Ready ]; then
      verdict failed "aziot-edged is not running (iotedge system status: Ready, nothing has started it)"
    elif [ "$name" = aziot-edged ]; then
      [ "$status" = Running ] || verdict failed "$name is $status"
    else
      [[ "$status" =~ ^(Running|Ready)$ ]] || verdict failed "$name is $status"
    fi
  done
}

check_modules() {
  local out name status
  if ! capture_all out iotedge list; then
    verdict failed "iotedge list failed: $(clean "$(tail -n 1 <<<"$out")")"
    return 0
  fi
  # NAME STATUS DESCRIPTION CONFIG, one module per line after the header.
  while read -r name status _; do
    if [ -z "$name" ] || [ "$name" = NAME ]; then continue; fi
    module_names+=("$name")
    module_state[$name]=$status
  done <<<"$out"
  status=${module_state[edgeAgent]:-}
  if [ -z "$status" ]; then
    verdict failed "edgeAgent is not running: aziot-edged has not started it (journalctl -u aziot-edged)"
  elif [ "$status" != running ]; then
    verdict failed "edgeAgent is $status"
  fi
  # Only a deployment creates edgeHub; every deployment has it (its $edgeAgent systemModules).
  status=${module_state[edgeHub]:-}
  if [ -z "$status" ]; then
    deployment=none
    note="no deployment yet: edgeAgent runs alone and reports 417 until the device's IoT Hub deployment is set; edgeHub starts with it"
  else
    deployment=received
    [ "$status" = running ] || verdict failed "edgeHub is $status"
  fi
}

check_converge
if command -v iotedge >/dev/null 2>&1; then
  capture version iotedge version
  version=$(awk 'NR == 1 { print $NF }' <<<"$version")
  check_services
  check_modules
else
  verdict converging "IoT Edge is not installed yet"
fi
# identityd keeps a backup of the identity it was provisioned with (its device_info); only its presence is read.
if [ -f "$ROOT/var/lib/aziot/identityd/prev-state/device_info" ]; then provisioning=provisioned; else provisioning="not provisioned"; fi
reason=$(clean "$reason")
[ "$state" = healthy ] || note=""

if [ "$json" = 1 ]; then
  printf '{"healthy":%s,"state":%s,"reason":%s,"note":%s,"deployment":%s,"runtimeVersion":%s,"provisioning":%s,"services":{' \
    "$([ "$state" = healthy ] && echo true || echo false)" "$(json_string "$state")" "$(json_string "$reason")" \
    "$(json_string "$note")" "$(json_string "$deployment")" "$(json_string "$(clean "$version")")" "$(json_string "$provisioning")"
  sep=""
  for name in "${SERVICES[@]}"; do
    [ -n "${service_state[$name]:-}" ] || continue
    printf '%s%s:%s' "$sep" "$(json_string "$name")" "$(json_string "${service_state[$name]}")"
    sep=,
  done
  printf '},"modules":['
  sep=""
  for name in "${module_names[@]}"; do
    printf '%s{"name":%s,"status":%s}' "$sep" "$(json_string "$(clean "$name")")" "$(json_string "$(clean "${module_state[$name]}")")"
    sep=,
  done
  printf ']}\n'
elif [ "$state" = healthy ] && [ -n "$note" ]; then
  echo "healthy, $note"
elif [ "$state" = healthy ]; then
  echo healthy
else
  echo "$state: $reason"
fi
[ "$state" = healthy ]
