#!/usr/bin/env bash
# kvedge template for an N-device fleet (default 1000) against `helm template` of the chart run once per device, as a
# GitOps pipeline using the chart renders a fleet, side by side on the same devices. kvedge runs as the NativeAOT binary
# (built here unless KVEDGE_NATIVE_BIN names one) and as the framework-dependent build, alternating, 5 runs each
# (median, peak RSS); helm, at minutes per fleet, runs once. Prints the times and the ratios.
# Needs helm (scripts/install-test-tools.sh puts it in .tools/helm). Usage: bench/helm-vs-kvedge.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-1000}
out=bench/out
helm=${HELM:-.tools/helm/helm}
mkdir -p "$out/values"
rm -f "$out/values"/*.yaml

native=${KVEDGE_NATIVE_BIN:-}
if [ -z "$native" ]; then
  echo "building the NativeAOT kvedge ..." >&2
  native=$(scripts/build-native.sh "$out/native")
fi
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

# kvedge: median of 5 runs of the whole process for each build, alternating; the outputs must be the same bytes.
: > "$out/native-helm.times"
: > "$out/framework-helm.times"
for ((i = 0; i < 5; i++)); do
  /usr/bin/time -f "%e %M" -a -o "$out/native-helm.times" "$native" template -f "$out/fleet.yaml" > "$out/kvedge-native.yaml"
  /usr/bin/time -f "%e %M" -a -o "$out/framework-helm.times" "$out/kvedge/kvedge" template -f "$out/fleet.yaml" > "$out/kvedge.yaml"
done
cmp -s "$out/kvedge-native.yaml" "$out/kvedge.yaml" || { echo "helm-vs-kvedge: the two builds rendered different bytes" >&2; exit 1; }
median() { sort -n "$1" | awk '{ w[NR] = $1 } END { print w[int((NR + 1) / 2)] }'; }
peak() { awk '$2 > m { m = $2 } END { printf "%.0f", m / 1024 }' "$1"; }
native_s=$(median "$out/native-helm.times")
kvedge_s=$(median "$out/framework-helm.times")

start=$(date +%s.%N)
for f in "$out"/values/*.yaml; do
  base=$(basename "$f" .yaml)
  "$helm" template "${base#*_}" deploy/helm/aziot-edge-kubevirt -n "${base%%_*}" -f "$f" > /dev/null
done
helm_s=$(echo "$(date +%s.%N) - $start" | bc)

awk -v n="$n" -v k="$kvedge_s" -v a="$native_s" -v h="$helm_s" -v ka="$(peak "$out/native-helm.times")" -v kf="$(peak "$out/framework-helm.times")" 'BEGIN {
  printf "kvedge template (NativeAOT): %d devices in %.2f s (%.0f devices/s), peak RSS %d MiB\n", n, a, n / a, ka
  printf "kvedge template (framework-dependent): %d devices in %.2f s (%.0f devices/s), peak RSS %d MiB\n", n, k, n / k, kf
  printf "helm template per device: %d devices in %.1f s (%.3f s per device)\n", n, h, h / n
  printf "ratio: NativeAOT kvedge is %.0fx faster than helm, framework-dependent %.0fx\n", h / a, h / k
}'
