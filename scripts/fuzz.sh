#!/usr/bin/env bash
# npm run fuzz: builds the libFuzzer targets with clang (ASan + UBSan) and runs each.
#   scripts/fuzz.sh [SECONDS]        each target for SECONDS (default 60)
#   FUZZ_RUNS=N scripts/fuzz.sh      each target for N executions instead (what CI does)
# Crashes land in build-fuzz/crashes/; findings in the corpus persist in build-fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++}" -DWN_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
mkdir -p build-fuzz/corpus build-fuzz/crashes
build-fuzz/tests/fuzz/wn-fuzz-seeds build-fuzz/corpus
# CI's runs are reproducible (a fixed libFuzzer seed): a red CI must mean a change broke something,
# not that this run's dice found an old bug. Timed runs explore with fresh seeds each time.
if [[ -n ${FUZZ_RUNS:-} ]]; then limit=(-runs="$FUZZ_RUNS" -seed="${FUZZ_SEED:-1}"); else limit=(-max_total_time="$seconds"); fi
for target in tar gzip cifar options history; do
  printf '%-8s ' "$target"
  log=build-fuzz/fuzz_$target.log
  if ! build-fuzz/tests/fuzz/fuzz_$target "${limit[@]}" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=build-fuzz/crashes/$target- build-fuzz/corpus/$target >"$log" 2>&1; then
    echo "FAILED: see $log"; tail -30 "$log"; exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' || echo '?')
  echo "ok: $runs executions in ${secs}s, no crash"
done
