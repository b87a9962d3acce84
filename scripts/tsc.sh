#!/usr/bin/env bash
# The project's own TypeScript compiler. `npx tsc` may resolve to tslab's fork (TypeScript 5.0) that npm links
# as node_modules/.bin/tsc, which lacks the options tsconfig.json uses.
exec node "$(dirname "$0")/../node_modules/typescript/bin/tsc" "$@"
