#!/usr/bin/env bash
# npm test: the native doctest suite (ctest), the same suite under ASan + UBSan, short fuzz
# runs of every parser, then the browser end-to-end tests (Chromium, and Firefox for a smoke test).
#   scripts/test.sh              all of it (npm test)
#   scripts/test.sh e2e [FILE…]  the end-to-end tests only, every file or those given (npm run test:e2e)
# Each e2e file runs in a Node process of its own with a time limit, WN_E2E_FILE_TIMEOUT seconds
# (default 900; the slowest file takes about 4 minutes on a loaded 2-core machine): a file that
# hangs fails with its name after that long, and the files after it still run.
set -euo pipefail
cd "$(dirname "$0")/.."

# The closing count of $1 (pass, fail, cancelled) in the spec reporter's output $2; 0 if none.
count() { { grep -E "^ℹ $1 [0-9]+$" "$2" || echo "ℹ $1 0"; } | tail -1 | grep -oE '[0-9]+$'; }

e2e() {
  local limit=${WN_E2E_FILE_TIMEOUT:-900} files=("$@") logs force=() passed=0 failed=0 cancelled=0 bad=()
  [[ ${#files[@]} -gt 0 ]] || files=(tests/e2e/*.test.mjs)
  # Node ≥ 20.14: end the process once its tests are over, even if something they opened (a
  # server, a socket) would keep it alive. Older Nodes wait for the time limit instead.
  node --test-force-exit --version >/dev/null 2>&1 && force=(--test-force-exit)
  logs=$(mktemp -d)
  for file in "${files[@]}"; do
    local log="$logs/$(basename "$file").log" start=$SECONDS code=0
    echo "== $file =="
    # --test-timeout fails a test that runs past the limit, naming it; Node 20 applies it to the
    # file's process as a whole too. timeout(1) is the backstop for the runner itself; its SIGTERM
    # reaches the file's process, which Playwright answers by closing its browsers. (Through tee, not
    # --test-reporter-destination: a forced exit cuts a file destination short.)
    timeout --kill-after=30 $((limit + 60)) node --test "${force[@]}" --test-timeout=$((limit * 1000)) --test-reporter=spec \
      "$file" 2>&1 | tee "$log" || code=${PIPESTATUS[0]}
    passed=$((passed + $(count pass "$log"))) failed=$((failed + $(count fail "$log")))
    cancelled=$((cancelled + $(count cancelled "$log")))
    if [[ $code -eq 124 || $code -eq 137 ]]; then
      bad+=("$file (no end after $((SECONDS - start)) s: stopped)")
    elif grep -q "test timed out after $((limit * 1000))ms" "$log"; then
      bad+=("$file (ran past its ${limit} s limit, after $((SECONDS - start)) s)")
    elif [[ $code -ne 0 ]]; then
      bad+=("$file (failed, after $((SECONDS - start)) s)")
    fi
  done
  rm -rf "$logs"
  echo "== e2e: ${#files[@]} files: $passed tests passed, $failed failed, $cancelled cancelled =="
  if [[ ${#bad[@]} -gt 0 ]]; then
    printf 'FAILED: %s\n' "${bad[@]}"
    return 1
  fi
}

if [[ ${1:-} == e2e ]]; then
  shift
  e2e "$@"
  exit
fi

bash scripts/deps.sh test
echo "== doctest (ctest) =="
ctest --test-dir build --output-on-failure -j 2
echo "== doctest under AddressSanitizer + UndefinedBehaviorSanitizer =="
bash scripts/sanitize.sh
echo "== fuzz targets, ${FUZZ_RUNS:=20000} executions each =="
FUZZ_RUNS=$FUZZ_RUNS bash scripts/fuzz.sh
echo "== unit tests of the DOM-free JavaScript (node:test) ==" && node --test tests/unit/*.test.mjs
echo "== browser end-to-end (Chromium, Firefox) =="
e2e
