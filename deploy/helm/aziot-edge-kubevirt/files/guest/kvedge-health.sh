#!/bin/bash
# kvedge-health: is IoT Edge healthy on this device? The VM's KubeVirt readinessProbe runs it through the guest agent
# (guest-exec, as root), so the VMI's Ready condition and the Service's endpoints mean "IoT Edge is healthy"; `kvedge
# health` runs it over SSH.
#
#   kvedge-health          exit 0 and "healthy", or exit 1 and one line: "converging: WHY" or "failed: WHY"
#   kvedge-health --json   the same verdict with the runtime version, the provisioning state, each aziot service's and
#                          each module's state, as one JSON object
#
# Healthy means: the converge program succeeded for the config disk this boot sees, its config is applied, the aziot
# services run (`iotedge system status`), and edgeAgent and edgeHub run (`iotedge list`). It only reads: it never starts,
# restarts or changes anything, and it never prints a credential (it reads no secret, and its reasons are its own words
# or the converge program's, which prints none).
set -uo pipefail

ROOT=${KVEDGE_ROOT:-}
RUN=$ROOT/run/kvedge
STATE=$ROOT/var/lib/kvedge
CONFIG_DISK=$ROOT/dev/disk/by-id/virtio-kvedge-config
# A probe that hangs is a failed probe (KubeVirt's timeoutSeconds); each command gets less than the probe's timeout.
STEP_TIMEOUT=${KVEDGE_HEALTH_STEP_TIMEOUT:-8}
# The services `iotedge system status` lists; aziot-tpmd is socket-activated and idles as "Ready" unless a TPM is used
# (learn.microsoft.com/azure/iot-edge/how-to-provision-single-device-linux-symmetric, "Verify successful configuration").
SERVICES=(aziot-edged aziot-identityd aziot-keyd aziot-certd aziot-tpmd)
MODULES=(edgeAgent edgeHub)

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
clean() { LC_ALL=C tr -c '[:print:]' ' ' <<<"$1" | cut -c1-200 | sed 's/ *$//'; }

json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

check_converge() {
  local active sub error
  active=$(systemctl show -p ActiveState --value kvedge-converge.service 2>/dev/null)
  sub=$(systemctl show -p SubState --value kvedge-converge.service 2>/dev/null)
  error=$(journalctl -b -u kvedge-converge.service --no-pager -o cat 2>/dev/null | grep 'kvedge-converge: ERROR' | tail -n 1)
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
  elif [ -e "$CONFIG_DISK" ] && [ "$(timeout "$STEP_TIMEOUT" sha256sum "$CONFIG_DISK" 2>/dev/null | cut -d' ' -f1)" != "$(cat "$RUN/converged")" ]; then
    verdict converging "the config disk changed since the converge program ran"
  elif [ -f "$RUN/apply-needed" ]; then
    case $(systemctl show -p ActiveState --value kvedge-apply.service 2>/dev/null) in
    failed) verdict failed "iotedge config apply failed (journalctl -u kvedge-apply)" ;;
    *) verdict converging "the IoT Edge configuration is not applied yet" ;;
    esac
  elif [ ! -f "$STATE/applied.sha256" ]; then
    verdict converging "the IoT Edge configuration has never been applied"
  fi
}

check_services() {
  local out name status
  if ! out=$(timeout "$STEP_TIMEOUT" iotedge system status 2>&1); then
    verdict failed "iotedge system status failed: $(clean "$(tail -n 1 <<<"$out")")"
    return 0
  fi
  # "    aziot-edged             Running" per service.
  while read -r name status _; do
    case $name in aziot-*) service_state[$name]=$status ;; esac
  done <<<"$out"
  for name in "${SERVICES[@]}"; do
    status=${service_state[$name]:-missing}
    if [ "$name" = aziot-tpmd ]; then
      [[ "$status" =~ ^(Running|Ready)$ ]] || verdict failed "$name is $status"
    else
      [ "$status" = Running ] || verdict failed "$name is $status"
    fi
  done
}

check_modules() {
  local out name status
  if ! out=$(timeout "$STEP_TIMEOUT" iotedge list 2>&1); then
    verdict failed "iotedge list failed: $(clean "$(tail -n 1 <<<"$out")")"
    return 0
  fi
  # NAME STATUS DESCRIPTION CONFIG, one module per line after the header.
  while read -r name status _; do
    if [ -z "$name" ] || [ "$name" = NAME ]; then continue; fi
    module_names+=("$name")
    module_state[$name]=$status
  done <<<"$out"
  for name in "${MODULES[@]}"; do
    status=${module_state[$name]:-}
    if [ -z "$status" ]; then
      verdict failed "$name is not deployed"
    elif [ "$status" != running ]; then
      verdict failed "$name is $status"
    fi
  done
}

check_converge
if command -v iotedge >/dev/null 2>&1; then
  version=$(timeout "$STEP_TIMEOUT" iotedge version 2>/dev/null | awk 'NR == 1 { print $NF }')
  check_services
  check_modules
else
  verdict converging "IoT Edge is not installed yet"
fi
# identityd keeps a backup of the identity it was provisioned with (its device_info); only its presence is read.
if [ -f "$ROOT/var/lib/aziot/identityd/prev-state/device_info" ]; then provisioning=provisioned; else provisioning="not provisioned"; fi
reason=$(clean "$reason")

if [ "$json" = 1 ]; then
  printf '{"healthy":%s,"state":%s,"reason":%s,"runtimeVersion":%s,"provisioning":%s,"services":{' \
    "$([ "$state" = healthy ] && echo true || echo false)" "$(json_string "$state")" "$(json_string "$reason")" \
    "$(json_string "$(clean "$version")")" "$(json_string "$provisioning")"
  sep=""
  for name in "${SERVICES[@]}"; do
    [ -n "${service_state[$name]:-}" ] || continue
    printf '%s%s:%s' "$sep" "$(json_string "$name")" "$(json_string "$(clean "${service_state[$name]}")")"
    sep=,
  done
  printf '},"modules":['
  sep=""
  for name in "${module_names[@]}"; do
    printf '%s{"name":%s,"status":%s}' "$sep" "$(json_string "$(clean "$name")")" "$(json_string "$(clean "${module_state[$name]}")")"
    sep=,
  done
  printf ']}\n'
elif [ "$state" = healthy ]; then
  echo healthy
else
  echo "$state: $reason"
fi
[ "$state" = healthy ]
