#!/usr/bin/env bash
# Installs an N-device fleet (default 1000, bench/make-fleet.sh) into the contract test server with 10 ms of latency
# per request, two ways side by side in one run: `kvedge install -f` (first, then unchanged) and
# `kubectl apply --server-side -f` of `kvedge template`'s output (first, then unchanged), requests counted by the
# server; then `kvedge install --wait` of WAIT devices (default 50) with imports and boots of different lengths
# against its slowest device alone. The server is test code, not a cluster (README). Numbers go in bench/README.md.
# Usage: bench/fleet-install.sh [N]     Needs kubectl 1.35 from scripts/install-test-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-1000}
wait_devices=${WAIT:-50}
out=bench/out
mkdir -p "$out"
[ -x .tools/kubectl/kubectl ] || bash scripts/install-test-tools.sh

echo "publishing kvedge (Release, ReadyToRun) ..." >&2
dotnet publish src/KVEdge.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out/kvedge" >/dev/null
dotnet build bench/FleetBench -c Release -o "$out/fleetbench" >/dev/null
bench/make-fleet.sh "$n" > "$out/fleet.yaml"
"$out/kvedge/kvedge" template -f "$out/fleet.yaml" > "$out/rendered.yaml"
dotnet "$out/fleetbench/FleetBench.dll" "$n" "$out/kvedge/kvedge" .tools/kubectl/kubectl "$out/fleet.yaml" "$out/rendered.yaml" "$wait_devices"
