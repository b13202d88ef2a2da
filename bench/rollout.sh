#!/usr/bin/env bash
# A rollout of N devices (default 1000) whose simulated restart takes a fixed time, by `kvedge upgrade --rollout` (the
# NativeAOT binary) against the contract test server and its KubeVirt simulator: the wall time against the ideal
# (ceil(N / maxUnavailable) waves x the median boot), and the engine's overhead per wave. The server is test code, not
# a cluster (README). Numbers go in bench/README.md.
# Usage: bench/rollout.sh [N] [MAX_UNAVAILABLE_PERCENT] [STEP_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
percent=${2:-10}
step=${3:-400}
out=bench/out
mkdir -p "$out"
echo "publishing kvedge (NativeAOT) ..." >&2
dotnet publish src/KVEdge.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$out/kvedge-aot" >/dev/null
dotnet build bench/RolloutBench -c Release -o "$out/rolloutbench" >/dev/null
dotnet "$out/rolloutbench/RolloutBench.dll" "$n" "$out/kvedge-aot/kvedge" "$percent" "$step"
