#!/usr/bin/env bash
# What `npm start` and `npm test` share: the CIFAR-10 files, system packages, npm packages, both builds.
#   scripts/deps.sh [run|test]   (default test): which system packages, see scripts/setup.sh
# WN_CIFAR_COPY replaces the local copy's path (tests point it nowhere).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-test}
bash scripts/setup.sh node
# The data first: it needs only Node, and without it there is nothing to train, so a machine
# with no network and no copy hears so now rather than after the ~80 s build.
# A local copy beside the checkout saves the 163 MB download (and is the only way without network).
copy=${WN_CIFAR_COPY:-../shared/cifar10/cifar-10-binary.tar.gz}
from=()
[[ -f $copy ]] && from=(--from "$copy")
# prepare.mjs gives the --from advice (once), with the command to run again afterwards.
event=${npm_lifecycle_event:-start}
case $event in start | test) again="npm $event" ;; *) again="npm run $event" ;; esac
if ! WN_THEN=$again node data/prepare.mjs "${from[@]}"; then
  [[ -f $copy ]] || echo "(There is no local copy at $copy either.)" >&2
  exit 1
fi
bash scripts/setup.sh "$profile"
# npm ci only when package-lock.json changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
# `npm start` builds no tests (doctest and xtensor come with the test profile). CMake caches
# BUILD_TESTING, so the test profile says ON, or a previous `npm start` would leave it off.
testing=ON
[[ $profile == run ]] && testing=OFF
WN_CMAKE_ARGS="-DBUILD_TESTING=$testing ${WN_CMAKE_ARGS:-}" bash scripts/build.sh all
[[ $profile == run ]] || bash scripts/build.sh portable
