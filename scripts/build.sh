#!/usr/bin/env bash
# Builds the native CLI + tests (build/) and the two WebAssembly modules (build-wasm/).
#   scripts/build.sh [native|wasm|portable|all]   (default all)
#   portable: build-portable/wn-train with WebAssembly's arithmetic (4-lane vectors, no FMA, no
#   -march=native), which trains bit for bit as the page does (tests/e2e/native-vs-wasm.test.mjs)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
jobs=$(nproc 2>/dev/null || echo 2)

if [[ $what == native || $what == all ]]; then
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release ${WN_CMAKE_ARGS:-} >/dev/null
  cmake --build build -j "$jobs"
fi

if [[ $what == portable ]]; then
  cmake -S . -B build-portable -DCMAKE_BUILD_TYPE=Release -DWN_NATIVE_ARCH=OFF -DBUILD_TESTING=OFF >/dev/null
  cmake --build build-portable -j "$jobs" --target wn-train
fi

if [[ $what == wasm || $what == all ]]; then
  # Debian's emcc finds acorn and friends only through NODE_PATH.
  export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
  # Node 20's fetch confuses Emscripten 3.1.6's tools under node; the build itself does not need it.
  export EM_NODE_JS=${EM_NODE_JS:-$(command -v node)}
  emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build-wasm -j "$jobs"
fi
