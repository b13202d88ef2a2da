#!/usr/bin/env bash
# The README's test command: installs the test tools, builds, runs every suite, and ends with one line
# "N passed, N failed" totalling all of them. Exits non-zero if anything failed.
# A faster inner loop runs a part: --unit (scripts, format, the .NET suites but the chart's), --chart (the chart's
# tests: helm lint/template, its schema and the invalid corpus through it), --e2e (the qemu guest boot only).
set -euo pipefail
cd "$(dirname "$0")/.."

part=${1:-all}
case $part in
  all | --unit | --chart | --e2e) ;;
  *)
    echo "usage: scripts/test.sh [--unit|--chart|--e2e]" >&2
    exit 2
    ;;
esac

bash scripts/install-test-tools.sh

results=.cache/test-results
rm -rf "$results"
mkdir -p "$results"

passed=0
failed=0
# Each part's wall time, printed before the closing line: the run has to stay inside CI's budget as suites grow.
timings=()

if [ "$part" = all ] || [ "$part" = --unit ]; then
  # Shell scripts (the guest's converge program among them): each file is one check, bash -n then ShellCheck.
  while IFS= read -r script; do
    if bash -n "$script" && shellcheck -x "$script"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "bash -n / shellcheck failed: $script" >&2; fi
  done < <(git ls-files '*.sh' .ci/run)

  # Formatting is part of the build contract (warnings are errors; so is drift from .editorconfig).
  if dotnet format KVEdge.slnx --verify-no-changes >/dev/null 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "dotnet format: changes needed (run 'dotnet format KVEdge.slnx')" >&2; fi
  timings+=("test tools, ShellCheck and format $SECONDS s")
fi

image_pid=""
filter=()
case $part in
  --unit) filter=(--filter 'FullyQualifiedName!~KVEdge.Core.Tests.Chart.') ;;
  --chart) filter=(--filter 'FullyQualifiedName~KVEdge.Core.Tests.Chart.') ;;
esac
test_rc=0
if [ "$part" != --e2e ]; then
  # The NativeAOT binary, built before the suites (not beside them: the build takes every core for minutes), for the
  # CLI suite's NativeBinaryTests to run as a user runs it.
  if [ "$part" != --chart ] && [ -z "${KVEDGE_NATIVE_BIN:-}" ]; then
    native_started=$SECONDS
    if native=$(bash scripts/build-native.sh .cache/native); then
      export KVEDGE_NATIVE_BIN=$native
    else
      failed=$((failed + 1))
      echo "scripts/build-native.sh failed" >&2
    fi
    timings+=("NativeAOT build $((SECONDS - native_started)) s")
  fi
  # The e2e's guest image (debootstrap and the distribution's packages: minutes on a fresh machine, cached after) is
  # built while the .NET suites run, not beside the NativeAOT build, which takes every core; the e2e then finds it in
  # its cache.
  if [ "$part" = all ]; then
    bash tests/e2e/guest-image.sh >"$results/guest-image.out" 2>"$results/guest-image.log" &
    image_pid=$!
  fi
  set +e
  dotnet_started=$SECONDS
  dotnet test KVEdge.slnx --nologo --logger "trx" --results-directory "$results" -v quiet "${filter[@]}"
  test_rc=$?
  timings+=(".NET suites, build and run $((SECONDS - dotnet_started)) s")
  set -e
fi

for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  # The suite's own run time, from its report's <Times start=... finish=...>. No "| head" here: under pipefail, the
  # grep it cuts off dies of SIGPIPE and would end the whole run; and a report without times only loses its line.
  storages=$(grep -o 'storage="[^"]*\.dll"' "$trx" || true)
  suite=${storages%%$'\n'*}
  suite=${suite##*/}
  suite=${suite%.dll\"}
  all_times=$(grep -o '<Times [^>]*>' "$trx" || true)
  times=${all_times%%$'\n'*}
  start=$(sed -n 's/.* start="\([^"]*\)".*/\1/p' <<<"$times")
  finish=$(sed -n 's/.* finish="\([^"]*\)".*/\1/p' <<<"$times")
  if [ -n "$suite" ] && start_s=$(date -d "$start" +%s 2>/dev/null) && finish_s=$(date -d "$finish" +%s 2>/dev/null); then
    timings+=("  $suite $((finish_s - start_s)) s")
  fi
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done

if [ "$test_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the build or the runner failed before any test could report
fi

# The end-to-end guest boot (tests/e2e): after the .NET suites, so the emulated guest has both cores to itself.
if [ "$part" = all ] || [ "$part" = --e2e ]; then
  set +e
  e2e_started=$SECONDS
  # A failed background build is not the verdict: the e2e builds the image itself then, and says why if it cannot.
  if [ -n "$image_pid" ] && ! wait "$image_pid"; then
    echo "building the guest image beside the .NET suites failed (the e2e tries again):" >&2
    tail -n 5 "$results/guest-image.log" >&2
  fi
  bash tests/e2e/run.sh | tee "$results/e2e.log"
  e2e_rc=${PIPESTATUS[0]}
  timings+=("e2e (qemu guest boots) $((SECONDS - e2e_started)) s")
  set -e
  e2e_totals=$(sed -n 's/^e2e: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$results/e2e.log" | tail -n 1)
  if [ -n "$e2e_totals" ]; then
    passed=$((passed + ${e2e_totals% *}))
    failed=$((failed + ${e2e_totals#* }))
  fi
  if [ "$e2e_rc" -ne 0 ] && { [ -z "$e2e_totals" ] || [ "${e2e_totals#* }" -eq 0 ]; }; then
    failed=$((failed + 1)) # the harness stopped before it could count
  fi
fi

echo "time per part (total $SECONDS s):"
for timing in "${timings[@]}"; do echo "  $timing"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
