#!/usr/bin/env bash
# The one test command: installs and builds what it needs, then typecheck, lint and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
bash test/env/build.sh >/dev/null
npm run --silent typecheck
npm run --silent lint
node scripts/run-tests.mjs src test
