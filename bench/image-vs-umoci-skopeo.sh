#!/usr/bin/env bash
# `kvedge image build --push` of a 2 GiB qcow2 against `umoci repack` + `skopeo copy` of the same disk to the same local
# registry, side by side in one run; then an unchanged re-push. Needs docker-registry, umoci, skopeo, qemu-img
# (scripts/install-test-tools.sh). Usage: bench/image-vs-umoci-skopeo.sh [SIZE_MIB]   (default 2048)
set -euo pipefail
cd "$(dirname "$0")/.."

size_mib=${1:-2048}
out=bench/out/image
rm -rf "$out" && mkdir -p "$out"
port=$(( (RANDOM % 20000) + 30000 ))

echo "publishing kvedge ..." >&2
dotnet publish src/KVEdge.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o bench/out/kvedge >/dev/null

# A disk that compresses like a real OS image: half random bytes, half text.
echo "making a ${size_mib} MiB qcow2 ..." >&2
half=$((size_mib / 2))
{ head -c "$((half * 1048576))" /dev/urandom; head -c "$((half * 786432))" /dev/urandom | base64 -w0 | head -c "$((half * 1048576))"; } > "$out/disk.raw"
qemu-img convert -f raw -O qcow2 "$out/disk.raw" "$out/disk.qcow2"
rm -f "$out/disk.raw"
ls -l "$out/disk.qcow2" >&2

cat > "$out/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $PWD/$out/registry}}
http: {addr: 127.0.0.1:$port}
YML
docker-registry serve "$out/registry.yml" > "$out/registry.log" 2>&1 &
registry=$!
trap 'kill $registry 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$port/v2/" >/dev/null; do sleep 0.1; done

seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }

kvedge_s=$(seconds bench/out/kvedge/kvedge image build --disk "$out/disk.qcow2" --tag "127.0.0.1:$port/bench/kvedge:v1" --push --plain-http)
repush_log=$(bench/out/kvedge/kvedge image build --disk "$out/disk.qcow2" --tag "127.0.0.1:$port/bench/kvedge:v1" --push --plain-http 2>&1 >/dev/null | grep pushed)

umoci_skopeo() {
  umoci init --layout "$out/layout"
  umoci new --image "$out/layout:v1"
  umoci unpack --image "$out/layout:v1" "$out/bundle"
  mkdir -p "$out/bundle/rootfs/disk"
  cp "$out/disk.qcow2" "$out/bundle/rootfs/disk/"
  chown -R 107:107 "$out/bundle/rootfs/disk"
  umoci repack --image "$out/layout:v1" "$out/bundle"
  umoci config --image "$out/layout:v1" --architecture amd64 --os linux --config.user 107
  skopeo copy --dest-tls-verify=false "oci:$out/layout:v1" "docker://127.0.0.1:$port/bench/umoci:v1"
}
umoci_s=$(seconds umoci_skopeo)

awk -v k="$kvedge_s" -v u="$umoci_s" -v size="$(stat -c %s "$out/disk.qcow2")" -v repush="$repush_log" 'BEGIN {
  printf "disk: %.0f MiB qcow2\n", size / 1048576
  printf "kvedge image build --push: %.1f s\n", k
  printf "umoci repack + skopeo copy: %.1f s\n", u
  printf "ratio: kvedge is %.1fx faster\n", u / k
  printf "re-push: %s\n", repush
}'
