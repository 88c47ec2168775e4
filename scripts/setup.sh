#!/usr/bin/env bash
# Installs the system packages the project needs when they are missing (Debian/Ubuntu).
set -euo pipefail
packages=(cmake make g++ zlib1g-dev doctest-dev emscripten chromium clang libclang-rt-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing system packages: ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v node >/dev/null || { echo "Node.js 18+ is needed (apt-get install nodejs npm)"; exit 1; }
