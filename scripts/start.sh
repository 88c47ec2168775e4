#!/usr/bin/env bash
# npm start: set up everything, then serve the app and print its URL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
exec node scripts/serve.mjs --port "${PORT:-8080}"
