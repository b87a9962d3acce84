#!/usr/bin/env bash
# Everything a fresh clone needs to run JupyterLab with the StreamLink kernel: npm packages, the compiled
# kernel and CLI, a project-local Python virtualenv with JupyterLab, the kernelspec, the bundled model and the
# JupyterLab extension. Idempotent: a second run only checks stamps and finishes in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[setup] %s\n' "$*" >&2; }

command -v node >/dev/null || { echo "Node.js 20+ is required (https://nodejs.org)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "Python 3.11+ is required" >&2; exit 1; }

lock_sum=$(sha256sum package-lock.json | cut -c1-64)
if [ "$(cat node_modules/.streamlink-lock 2>/dev/null)" != "$lock_sum" ]; then
  # `npm install`, not `npm ci`: npm 11 refuses `ci` on lock files that leave out other platforms' optional
  # native packages (DuckDB, node-llama-cpp), even on a lock file it has just written itself.
  log "installing npm packages"
  # onnxruntime-node's install script fetches GPU libraries from a host that may be unreachable; the CPU build
  # inside the package is all the embedder uses (.npmrc says the same for a plain `npm install`).
  ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.streamlink-lock
fi

log "compiling TypeScript"
bash scripts/tsc.sh -p tsconfig.json

req_sum=$(sha256sum scripts/requirements.txt | cut -c1-64)
if [ "$(cat .venv/.streamlink-req 2>/dev/null)" != "$req_sum" ]; then
  log "creating .venv with JupyterLab"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  # The venv sits inside this "type": "module" package; its bundled CommonJS tools (jupyter_builder's yarn.js)
  # must not be read as ES modules.
  echo '{ "type": "commonjs" }' > .venv/package.json
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
  echo "$req_sum" > .venv/.streamlink-req
fi

node dist/kernel/install.js .venv >/dev/null

for area in models extension; do
  if [ -f "scripts/setup-$area.sh" ]; then bash "scripts/setup-$area.sh"; fi
done
log "ready"
