#!/usr/bin/env bash
# npm run dist: the static site in dist/, ready for any static host (no special headers needed:
# web/sw.js adds COOP/COEP, and without it the page runs the single-threaded build).
#   scripts/dist.sh [--with-data]   --with-data also copies the prepared CIFAR-10 .bin files (184 MB)
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f build-wasm/web/wn-trainer-mt.js && -f node_modules/chart.js/dist/chart.umd.js ]] || bash scripts/deps.sh
rm -rf dist
mkdir -p dist/wasm dist/vendor
cp web/*.html web/*.js web/*.css dist/
cp build-wasm/web/wn-trainer-* dist/wasm/
cp node_modules/chart.js/dist/chart.umd.js dist/vendor/
if [[ ${1:-} == --with-data ]]; then
  mkdir -p dist/data/cifar-10-batches-bin
  # Hard links where the file system allows: no second 184 MB copy.
  cp -l data/cifar-10-batches-bin/*.bin dist/data/cifar-10-batches-bin/ 2>/dev/null \
    || cp data/cifar-10-batches-bin/*.bin dist/data/cifar-10-batches-bin/
fi
echo "dist/ is ready ($(du -sh dist | cut -f1)); serve it from any static host."
