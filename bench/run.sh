#!/usr/bin/env bash
# Renders an N-device fleet (default 1000) with the published kvedge, RUNS times (default 5), and reports
# the median wall time of the whole process, devices per second, and peak resident memory.
# Usage: bench/run.sh [N]        Results: bench/out/ (not committed); numbers go in bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

n=${1:-1000}
runs=${RUNS:-5}
out=bench/out
mkdir -p "$out"

echo "publishing kvedge (Release, ReadyToRun) ..." >&2
dotnet publish src/KVEdge.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out/kvedge" >/dev/null
bench/make-fleet.sh "$n" > "$out/fleet.yaml"

: > "$out/kvedge.times"
for ((i = 0; i < runs; i++)); do
  /usr/bin/time -f "%e %M" -a -o "$out/kvedge.times" "$out/kvedge/kvedge" template -f "$out/fleet.yaml" > "$out/rendered.yaml"
done

sort -n "$out/kvedge.times" | awk -v n="$n" -v runs="$runs" '
  { wall[NR] = $1; if ($2 > rss) rss = $2 }
  END {
    median = wall[int((NR + 1) / 2)]
    printf "kvedge template, %d devices, %d runs: median %.2f s = %.0f devices/s, peak RSS %.0f MiB\n", n, runs, median, n / median, rss / 1024
  }'
echo "output: $(wc -c < "$out/rendered.yaml") bytes, $(grep -c '^kind:' "$out/rendered.yaml") objects" >&2
