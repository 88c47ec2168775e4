#!/usr/bin/env bash
# npm run dist: the static site in dist/, ready for any static host (no special headers needed:
# web/sw.js adds COOP/COEP, and without it the page runs the single-threaded build).
#   scripts/dist.sh [--with-data | --subset TRAIN,TEST]
#   --with-data          also the prepared CIFAR-10 .bin files (184 MB)
#   --subset 5000,1000   the first TRAIN training and TEST test images only (5000,1000: 18 MB), in
#                        files named like the full set's, so the page loads them the same way and a
#                        demo fits a static host's size limits
# WN_DIST_DIR replaces dist/ (tests build elsewhere).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${WN_DIST_DIR:-dist}
batches=${WN_DATA_DIR:-data}/cifar-10-batches-bin
RECORD=3073
PER_FILE=10000
usage() { echo "usage: scripts/dist.sh [--with-data | --subset TRAIN,TEST]  (TRAIN 1..50000, TEST 1..10000)" >&2; exit 2; }

data=none
case ${1:-} in
  '') ;;
  --with-data) data=all ;;
  --subset)
    [[ ${2:-} =~ ^([0-9]+),([0-9]+)$ ]] || usage
    train=$((10#${BASH_REMATCH[1]})) test=$((10#${BASH_REMATCH[2]}))
    ((train >= 1 && train <= 5 * PER_FILE && test >= 1 && test <= PER_FILE)) || usage
    data=subset ;;
  *) usage ;;
esac

[[ -f build-wasm/web/wn-trainer-mt.js && -f node_modules/chart.js/dist/chart.umd.js ]] || bash scripts/deps.sh run
[[ $data == none || -f $batches/test_batch.bin ]] || bash scripts/deps.sh run
rm -rf "$out"
mkdir -p "$out/wasm" "$out/vendor"
cp web/*.html web/*.js web/*.css "$out/"
cp build-wasm/web/wn-trainer-* "$out/wasm/"
cp node_modules/chart.js/dist/chart.umd.js "$out/vendor/"
cp node_modules/fflate/esm/browser.js "$out/vendor/fflate.js"
if [[ $data != none ]]; then
  mkdir -p "$out/data/cifar-10-batches-bin"
fi
if [[ $data == all ]]; then
  # Hard links where the file system allows: no second 184 MB copy.
  cp -l "$batches"/*.bin "$out/data/cifar-10-batches-bin/" 2>/dev/null \
    || cp "$batches"/*.bin "$out/data/cifar-10-batches-bin/"
elif [[ $data == subset ]]; then
  # Whole records from the start of each file: data_batch_1.bin first, 10,000 a file.
  take() { head -c $(($2 * RECORD)) "$batches/$1" > "$out/data/cifar-10-batches-bin/$1"; }
  for ((k = 1, left = train; left > 0; k++, left -= PER_FILE)); do
    take "data_batch_$k.bin" $((left < PER_FILE ? left : PER_FILE))
  done
  take test_batch.bin "$test"
fi
echo "$out/ is ready ($(du -shL "$out" | cut -f1)); serve it from any static host."
