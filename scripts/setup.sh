#!/usr/bin/env bash
# Installs the system packages the project needs when they are missing (Debian/Ubuntu).
#   scripts/setup.sh [node|run|test]   (default test)
#   node  Node.js ≥ 18 and npm: all that preparing CIFAR-10 needs
#   run   + what `npm start` builds with: cmake, g++, zlib, libzip, emscripten
#   test  + what only `npm test` needs: doctest, xtensor + xsimd (golden tests), clang and its
#         sanitizer/libFuzzer runtime, chromium and firefox-esr (browser tests), numpy (weight
#         files load in NumPy), GNU parallel (the cluster recipe's test) and slurm-wlm (npm run
#         test:slurm: slurmctld, slurmd and munge)
set -euo pipefail
profile=${1:-test}
run=(cmake make g++ pkg-config zlib1g-dev libzip-dev emscripten)
case $profile in
  node) wanted=() ;;
  run) wanted=("${run[@]}") ;;
  test) wanted=("${run[@]}" doctest-dev libxtensor-dev libxsimd-dev clang libclang-rt-dev chromium firefox-esr python3-numpy parallel slurm-wlm) ;;
  *) echo "usage: scripts/setup.sh [node|run|test]" >&2; exit 2 ;;
esac
# WebKit's smoke test (tests/e2e/webkit.test.mjs): WebKitWebDriver and MiniBrowser, which needs an X display.
[[ $profile == test ]] && wanted+=(webkit2gtk-driver xvfb)
missing=()
# Node and npm by command, not by package: they may come from NodeSource or nvm, where
# Debian's npm package is absent (and would conflict).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
for p in "${wanted[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing system packages: ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# fetch() and DecompressionStream: Node 18.
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' \
  || { echo "Node.js 18+ is needed; this is $(node --version)" >&2; exit 1; }
