#!/usr/bin/env bash
# npm test: the native doctest suite (ctest), the same suite under ASan + UBSan, short fuzz
# runs of every parser, then the browser end-to-end tests (Chromium, and Firefox for a smoke test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
echo "== doctest (ctest) =="
ctest --test-dir build --output-on-failure -j 2
echo "== doctest under AddressSanitizer + UndefinedBehaviorSanitizer =="
bash scripts/sanitize.sh
echo "== fuzz targets, ${FUZZ_RUNS:=20000} executions each =="
FUZZ_RUNS=$FUZZ_RUNS bash scripts/fuzz.sh
echo "== browser end-to-end (Chromium, Firefox) =="
node --test --test-concurrency=1 tests/e2e/
