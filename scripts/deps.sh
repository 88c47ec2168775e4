#!/usr/bin/env bash
# System packages, npm packages, both builds and the CIFAR-10 files: what `npm start` and `npm test` share.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# npm ci only when package-lock.json changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
bash scripts/build.sh all
# A local copy beside the checkout saves the 163 MB download (and is the only way without network).
shared=../shared/cifar10/cifar-10-binary.tar.gz
if [[ -f $shared ]]; then node data/prepare.mjs --from "$shared"; else node data/prepare.mjs; fi
