#!/usr/bin/env bash
# Every test tier in one command: unit, real DuckDB, the real kernel under Jupyter, real Spark, the real model,
# and the browser. Sets up what the tiers need first (idempotent), then runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
for area in spark evals browser serve; do
  if [ -f "scripts/setup-$area.sh" ]; then bash "scripts/setup-$area.sh"; fi
done
# The tests are typechecked too (setup.sh compiled the rest): a type a test relies on that a change broke fails
# here, with its line, instead of as an `undefined` deep inside a run.
bash scripts/tsc.sh -p tsconfig.test.json
export PATH="$PWD/.venv/bin:$PATH"
exec npx vitest run "$@"
