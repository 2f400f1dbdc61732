#!/usr/bin/env bash
# Runs every libFuzzer harness of a build dir for a while on a scratch copy of its
# seed corpus, PARALLEL at a time, and fails if any finds a crash, leak, timeout or
# out-of-memory (or sanitizer report).
#
#   tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS [PARALLEL] [HARNESS...]
#
# FUZZ_RUNS=N also stops a harness after N executions, whichever comes first (the
# long runs of docs/reliability.md: FUZZ_RUNS=10000000 with 1800 seconds).
# FUZZ_TIMEOUT=S: seconds one input may take before it counts as a hang (default 10;
# raise it when the harnesses share a loaded machine).
#
# Per harness, in BUILD_DIR/fuzz/: <h>.log (libFuzzer's output), work/<h>/ (the
# corpus as it grew; replaced on every run), artifacts/<h>/ (crash-*, leak-*,
# timeout-*, oom-* inputs, kept across runs). A crash reproduces with
#   BUILD_DIR/tests/fuzz/<h> BUILD_DIR/fuzz/artifacts/<h>/crash-...
set -uo pipefail
build=${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS [PARALLEL] [HARNESS...]}
seconds=${2:?seconds}
parallel=${3:-2}
shift $(( $# < 3 ? $# : 3 ))
src=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  mapfile -t harnesses < <(sed -n 's/^  \([a-z0-9_]*_fuzzer\))\{0,1\}$/\1/p' "$src/CMakeLists.txt")
fi
out=$build/fuzz
mkdir -p "$out"

run_one() {
  local h=$1 bin=$build/tests/fuzz/$1
  local work=$out/work/$h art=$out/artifacts/$h
  rm -rf "$work"; mkdir -p "$work" "$art"
  [ -d "$src/corpus/$h" ] && cp -r "$src/corpus/$h/." "$work/"
  local dict=() runs=()
  [ -n "${FUZZ_RUNS:-}" ] && runs=("-runs=$FUZZ_RUNS")
  [ -f "$src/$h.dict" ] && dict=("-dict=$src/$h.dict")
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout="${FUZZ_TIMEOUT:-10}" -print_final_stats=1 \
      -artifact_prefix="$art/" "${runs[@]}" "${dict[@]}" "$work" >"$out/$h.log" 2>&1
  local rc=$?
  local execs cov ft secs
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$out/$h.log" | tail -1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$h.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$out/$h.log" | tail -1)
  ft=$(grep -o 'ft: [0-9]*' "$out/$h.log" | tail -1)
  if [ $rc -eq 0 ]; then
    printf '%-26s ok     %10s execs in %5ss  %-10s %s\n' "$h" "${execs:-?}" "${secs:-?}" "$cov" "$ft"
  else
    printf '%-26s FAILED (exit %d): see %s and %s\n' "$h" "$rc" "$out/$h.log" "$art"
    grep -m3 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY' "$out/$h.log" | sed 's/^/    /'
  fi
  return $rc
}
export -f run_one
export build out src seconds FUZZ_RUNS FUZZ_TIMEOUT

for h in "${harnesses[@]}"; do
  [ -x "$build/tests/fuzz/$h" ] || { echo "missing harness $build/tests/fuzz/$h (build target 'fuzzers')"; exit 2; }
done
printf '%s\n' "${harnesses[@]}" | xargs -P "$parallel" -I{} bash -c 'run_one "$@"' _ {}
rc=$?
if [ $rc -ne 0 ]; then
  echo "fuzz: a harness found a problem (inputs in $out/artifacts/)"
  exit 1
fi
echo "fuzz: ${#harnesses[@]} harnesses ran ${seconds}s each, no findings"
