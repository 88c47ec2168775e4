#!/usr/bin/env bash
# npm start: set up what running needs, then serve the app and print its URL.
#   npm start [-- --host 0.0.0.0]   (arguments go to scripts/serve.mjs; PORT=9000 picks the port)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh run
exec node scripts/serve.mjs --port "${PORT:-8080}" "$@"
