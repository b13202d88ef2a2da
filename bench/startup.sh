#!/usr/bin/env bash
# Start-up, side by side in one run: `version` and a one-device `template` with the NativeAOT kvedge, with today's
# framework-dependent build (Release, ReadyToRun, as bench/run.sh publishes it), and `helm version` / `helm template` of
# the chart for the same device. RUNS rounds (default 20); each round runs every command once, in turn, so that a
# slower minute of the machine falls on all of them alike. Prints the median and range of each, and the ratios.
# Needs helm (scripts/install-test-tools.sh puts it in .tools/helm); builds the native binary unless KVEDGE_NATIVE_BIN
# names one. Usage: bench/startup.sh            Results: bench/out/startup (not committed); numbers go in bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${RUNS:-20}
out=bench/out/startup
helm=${HELM:-.tools/helm/helm}
mkdir -p "$out"
[ -x "$helm" ] || { echo "startup.sh: no helm at $helm (run scripts/install-test-tools.sh)" >&2; exit 1; }

native=${KVEDGE_NATIVE_BIN:-}
if [ -z "$native" ]; then
  echo "building the NativeAOT kvedge ..." >&2
  native=$(scripts/build-native.sh "$out/native")
fi
echo "publishing the framework-dependent kvedge (Release, ReadyToRun) ..." >&2
dotnet publish src/KVEdge.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out/framework" >/dev/null

# One device of the bench fleet, and the same device as the chart's values (the spec, dedented; release = name).
bench/make-fleet.sh 1 >"$out/device.yaml"
awk '/^spec:$/ { inspec = 1; next } inspec { sub(/^  /, ""); print }' "$out/device.yaml" >"$out/values.yaml"

python3 - "$runs" "$native" "$out/framework/kvedge" "$helm" "$out" <<'EOF'
import statistics, subprocess, sys, time
runs, native, framework, helm, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
device, values = f"{out}/device.yaml", f"{out}/values.yaml"
commands = [
    ("kvedge version (NativeAOT)", [native, "version"]),
    ("kvedge version (framework-dependent)", [framework, "version"]),
    ("helm version", [helm, "version"]),
    ("kvedge template, one device (NativeAOT)", [native, "template", "-f", device]),
    ("kvedge template, one device (framework-dependent)", [framework, "template", "-f", device]),
    ("helm template, the same device", [helm, "template", "edge-0000", "deploy/helm/aziot-edge-kubevirt", "-n", "site-0", "-f", values]),
]
times = {name: [] for name, _ in commands}
for name, argv in commands:  # one unmeasured run each: page cache, not start-up, is what a first run measures
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
for _ in range(runs):
    for name, argv in commands:
        start = time.perf_counter_ns()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        times[name].append((time.perf_counter_ns() - start) / 1e6)
median = {name: statistics.median(t) for name, t in times.items()}
print(f"{runs} rounds, median (min-max) ms:")
for name, _ in commands:
    t = times[name]
    print(f"  {name:52s} {median[name]:7.1f}  ({min(t):.1f}-{max(t):.1f})")
n_t, f_t, h_t = (median[k] for k in ("kvedge template, one device (NativeAOT)", "kvedge template, one device (framework-dependent)", "helm template, the same device"))
n_v, f_v = median["kvedge version (NativeAOT)"], median["kvedge version (framework-dependent)"]
print(f"template: NativeAOT / helm = {n_t / h_t:.2f}, framework-dependent / helm = {f_t / h_t:.2f}, framework-dependent / NativeAOT = {f_t / n_t:.1f}")
print(f"version: NativeAOT {n_v:.1f} ms, framework-dependent / NativeAOT = {f_v / n_v:.1f}")
EOF
