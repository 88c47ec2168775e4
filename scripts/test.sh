#!/usr/bin/env bash
# npm test: native doctest suite (ctest), then browser end-to-end tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
ctest --test-dir build --output-on-failure -j 2
node --test --test-concurrency=1 tests/e2e/
