#!/usr/bin/env bash
# What a user scripts without kvedge's rollout, the baseline bench/rollout.sh runs beside it: the devices in waves of
# WAVE, each wave's restarts sent at once (KubeVirt's restart subresource, as `virtctl restart` sends it, here through
# `kubectl replace --raw` since there is no virtctl on this machine), then one `kubectl get vmi` a second until every
# device of the wave runs a new instance (another uid) that is Ready, then the next wave. No health gate, no halt, no
# resume: only the pacing is compared.
# Usage: bench/rollout-by-hand.sh KUBECTL KUBECONFIG NAMESPACE WAVE NAME...
set -euo pipefail
kubectl=$1 kubeconfig=$2 ns=$3 wave=$4
shift 4
names=("$@")
body=$(mktemp)
trap 'rm -f "$body"' EXIT
echo '{"apiVersion":"subresources.kubevirt.io/v1","kind":"RestartOptions"}' > "$body"

instances() {
  "$kubectl" --kubeconfig "$kubeconfig" get vmi -n "$ns" \
    -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.uid} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}'
}

for ((i = 0; i < ${#names[@]}; i += wave)); do
  batch=("${names[@]:i:wave}")
  declare -A before=()
  while read -r name uid _; do before[$name]=$uid; done < <(instances)
  printf '%s\n' "${batch[@]}" | xargs -P 32 -I{} "$kubectl" --kubeconfig "$kubeconfig" replace --raw \
    "/apis/subresources.kubevirt.io/v1/namespaces/$ns/virtualmachines/{}/restart" -f "$body" > /dev/null
  while true; do
    sleep 1
    declare -A now=()
    while read -r name uid ready; do
      if [ "$ready" = True ] && [ "$uid" != "${before[$name]:-}" ]; then now[$name]=1; fi
    done < <(instances)
    done_all=1
    for name in "${batch[@]}"; do [ -n "${now[$name]:-}" ] || { done_all=0; break; }; done
    unset now
    [ "$done_all" = 1 ] && break
  done
  unset before
done
