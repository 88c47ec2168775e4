#!/usr/bin/env bash
# The doctest suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/).
set -euo pipefail
cd "$(dirname "$0")/.."
# WN_CMAKE_ARGS as in build.sh (e.g. another compiler); BUILD_TESTING because the suite is the point.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWN_SANITIZE=ON -DBUILD_TESTING=ON ${WN_CMAKE_ARGS:-} >/dev/null
cmake --build build-asan -j "$(nproc 2>/dev/null || echo 2)" --target wn-tests >/dev/null
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j 2
