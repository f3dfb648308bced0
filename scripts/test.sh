#!/usr/bin/env bash
# The whole test suite: typecheck, lint, then every vitest project. Installs what it needs
# (Docker engine, local stand-in images) through the rig when a project needs containers.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
export TESTCONTAINERS_RYUK_DISABLED=true
npm run --silent typecheck
npm run --silent lint
npx vitest run --project unit --project infra --project policies
