#!/usr/bin/env bash
# Builds the native CLI + tests (build/) and the two WebAssembly modules (build-wasm/).
#   scripts/build.sh [native|wasm|portable|bench|all]   (default all: native and wasm, what npm start needs)
#   bench: the developer benchmarks in bench/ (wn-bench, …), natively in build/ and for node in build-wasm/;
#   the other modes leave them out (WN_BENCH=OFF), so npm start never compiles them
#   portable: build-portable/wn-train with WebAssembly's arithmetic (4-lane vectors, no FMA, no
#   -march=native), which trains bit for bit as the page does (tests/e2e/native-vs-wasm.test.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
jobs=$(nproc 2>/dev/null || echo 2)
bench=OFF
[[ $what == bench ]] && bench=ON

if [[ $what == native || $what == all || $what == bench ]]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DWN_BENCH=$bench ${WN_CMAKE_ARGS:-} >/dev/null
  if [[ $what == bench ]]; then
    cmake --build build -j "$jobs" --target wn-benches
  else
    cmake --build build -j "$jobs"
  fi
fi

if [[ $what == portable ]]; then
  cmake -S . -B build-portable -DCMAKE_BUILD_TYPE=Release -DWN_NATIVE_ARCH=OFF -DBUILD_TESTING=OFF >/dev/null
  cmake --build build-portable -j "$jobs" --target wn-train
fi

if [[ $what == wasm || $what == all || $what == bench ]]; then
  # Debian's emcc finds acorn and friends only through NODE_PATH.
  export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
  # Node 20's fetch confuses Emscripten 3.1.6's tools under node; the build itself does not need it.
  export EM_NODE_JS=${EM_NODE_JS:-$(command -v node)}
  emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release -DWN_BENCH=$bench >/dev/null
  if [[ $what == bench ]]; then
    cmake --build build-wasm -j "$jobs" --target wn-benches
  else
    cmake --build build-wasm -j "$jobs"
  fi
fi
