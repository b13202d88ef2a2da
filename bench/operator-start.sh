#!/usr/bin/env bash
# Starts `kvedge operator` over an N-EdgeDevice fleet (default 1000, bench/make-fleet.sh as custom resources) already
# converged, in the contract test server with 10 ms of latency per request, and measures: the time until every device
# is reconciled, the requests by kind, the writes, the peak memory; then one changed EdgeDevice at a time, from its
# watch event to the VM's PATCH; beside it, `kvedge install` of the same unchanged fleet. The server is test code, not
# a cluster (README). Numbers go in bench/README.md.
# Usage: bench/operator-start.sh [N] [CHANGES]
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-1000}
changes=${2:-100}
out=bench/out
mkdir -p "$out"

echo "publishing kvedge (NativeAOT, as the operator image carries it) ..." >&2
dotnet publish src/KVEdge.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$out/kvedge-aot" >/dev/null
dotnet build bench/OperatorBench -c Release -o "$out/operatorbench" >/dev/null
bench/make-fleet.sh "$n" > "$out/fleet.yaml"
dotnet "$out/operatorbench/OperatorBench.dll" "$n" "$out/kvedge-aot/kvedge" "$out/fleet.yaml" "$changes"
