#!/usr/bin/env bash
# kvedge template for an N-device fleet (default 1000) against `helm template` of the chart run once per device, as a
# GitOps pipeline using the chart renders a fleet, side by side on the same devices. Prints both times and the ratio.
# Needs helm (scripts/install-test-tools.sh puts it in .tools/helm). Usage: bench/helm-vs-kvedge.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-1000}
out=bench/out
helm=${HELM:-.tools/helm/helm}
mkdir -p "$out/values"
rm -f "$out/values"/*.yaml

echo "publishing kvedge (Release, ReadyToRun) ..." >&2
dotnet publish src/KVEdge.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out/kvedge" >/dev/null
bench/make-fleet.sh "$n" > "$out/fleet.yaml"

# One values file per device: the document's spec, dedented (the chart's values mirror the spec); release = name.
awk -v dir="$out/values" '
  /^---$/ { if (file) close(file); file = ""; inspec = 0; next }
  /^  name: / { name = $2 }
  /^  namespace: / { ns = $2 }
  /^spec:$/ { inspec = 1; file = sprintf("%s/%s_%s.yaml", dir, ns, name); next }
  inspec { sub(/^  /, ""); print > file }
' "$out/fleet.yaml"

# kvedge: median of 5 runs of the whole process (helm, at minutes per fleet, runs once).
: > "$out/kvedge-helm.times"
for ((i = 0; i < 5; i++)); do
  /usr/bin/time -f "%e" -a -o "$out/kvedge-helm.times" "$out/kvedge/kvedge" template -f "$out/fleet.yaml" > "$out/kvedge.yaml"
done
kvedge_s=$(sort -n "$out/kvedge-helm.times" | sed -n 3p)

start=$(date +%s.%N)
for f in "$out"/values/*.yaml; do
  base=$(basename "$f" .yaml)
  "$helm" template "${base#*_}" deploy/helm/aziot-edge-kubevirt -n "${base%%_*}" -f "$f" > /dev/null
done
helm_s=$(echo "$(date +%s.%N) - $start" | bc)

awk -v n="$n" -v k="$kvedge_s" -v h="$helm_s" 'BEGIN {
  printf "kvedge template: %d devices in %.2f s (%.0f devices/s)\n", n, k, n / k
  printf "helm template per device: %d devices in %.1f s (%.3f s per device)\n", n, h, h / n
  printf "ratio: kvedge is %.0fx faster\n", h / k
}'
