#!/usr/bin/env bash
# Renders the same N-device fleet (default 1000) with kvedge built from REV (a git revision) and from the working tree,
# alternating, RUNS times each (default 7), and prints each build's median wall time, devices/s, peak RSS and output
# bytes. How bench/README.md's before/after rows are measured: bench/compare-builds.sh 3dc4af8 1000
set -euo pipefail
cd "$(dirname "$0")/.."

rev=${1:?usage: bench/compare-builds.sh REV [N]}
n=${2:-1000}
runs=${RUNS:-7}
out=bench/out/compare
rm -rf "$out"
mkdir -p "$out"
publish() { dotnet publish "$1/src/KVEdge.Cli" -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$2" >/dev/null; }

echo "publishing $rev and the working tree (Release, ReadyToRun) ..." >&2
git worktree add -q --detach "$out/src-before" "$rev"
trap 'git worktree remove --force "$out/src-before"' EXIT
publish "$out/src-before" "$out/before"
publish . "$out/after"
bench/make-fleet.sh "$n" >"$out/fleet.yaml"

for ((i = 0; i < runs; i++)); do
  for build in before after; do
    /usr/bin/time -f "%e %M" -a -o "$out/$build.times" "$out/$build/kvedge" template -f "$out/fleet.yaml" >"$out/$build.yaml"
  done
done
for build in before after; do
  sort -n "$out/$build.times" | awk -v n="$n" -v b="$build" -v bytes="$(wc -c <"$out/$build.yaml")" '
    { wall[NR] = $1; if ($2 > rss) rss = $2 }
    END { m = wall[int((NR + 1) / 2)]; printf "%s: median %.2f s (%.2f-%.2f), %.0f devices/s, peak RSS %.0f MiB, %d bytes\n", b, m, wall[1], wall[NR], n / m, rss / 1024, bytes }'
done
