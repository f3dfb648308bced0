#!/usr/bin/env bash
# The whole test suite: typecheck, lint, every vitest project, the load gate. Installs what it
# needs (npm packages, the Docker engine, local stand-in images) through npm ci and the rig.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
export TESTCONTAINERS_RYUK_DISABLED=true
step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }

step "typecheck"
npm run --silent typecheck
npm run --silent typecheck:k6
step "lint"
npm run --silent lint
step "unit, infra, policies"
npx vitest run --project unit --project infra --project policies
step "build"
npm run --silent build
step "bench:hub --quick: the hub's throughput against the raw ws loop, judged by its own noise"
npm run --silent bench:hub -- --quick
step "rig: Docker engine and images"
npm run --silent rig
step "integration: real Redis containers, real hub processes"
npx vitest run --project integration
step "browser: the bundle in real Chromium against real hub processes"
npx vitest run --project browser
step "chaos: hub containers under faults"
npx vitest run --project chaos
step "load gate"
npm run --silent load:gate
step "all passed"
