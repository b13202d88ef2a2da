#!/usr/bin/env bash
# A rollout of N devices (default 1000) whose simulated restart takes a fixed time, by `kvedge upgrade --rollout` (the
# NativeAOT binary) against the contract test server and its KubeVirt simulator: the wall time against the ideal
# (ceil(N / maxUnavailable) waves x the median boot), and the engine's overhead per wave; side by side in the same run,
# the same kind of change rolled out by a user's script of kubectl waves (bench/rollout-by-hand.sh). The server is test
# code, not a cluster (README). Numbers go in bench/README.md. Needs kubectl 1.35 from scripts/install-test-tools.sh.
# Usage: bench/rollout.sh [N] [MAX_UNAVAILABLE_PERCENT] [STEP_MS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
percent=${2:-10}
step=${3:-400}
out=bench/out
mkdir -p "$out"
[ -x .tools/kubectl/kubectl ] || bash scripts/install-test-tools.sh
echo "publishing kvedge (NativeAOT) ..." >&2
dotnet publish src/KVEdge.Cli -c Release -r linux-x64 -p:PublishAot=true -o "$out/kvedge-aot" >/dev/null
dotnet build bench/RolloutBench -c Release -o "$out/rolloutbench" >/dev/null
dotnet "$out/rolloutbench/RolloutBench.dll" "$n" "$out/kvedge-aot/kvedge" "$percent" "$step" bench/rollout-by-hand.sh .tools/kubectl/kubectl
