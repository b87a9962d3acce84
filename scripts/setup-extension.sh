#!/usr/bin/env bash
# Builds StreamLink's JupyterLab extension (prebuilt: users never run `jupyter lab build`), installs it
# into the repo's .venv, and installs Debian's chromium for the browser tests. Idempotent: a second run
# with nothing changed returns in well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv
NAME=streamlink-extension
OUT=extension/streamlink_extension/labextension
DEST=$VENV/share/jupyter/labextensions/$NAME

if [ ! -x "$VENV/bin/jupyter" ]; then
  echo "setup-extension: $VENV has no JupyterLab; run scripts/setup.sh first (it creates the venv)." >&2
  exit 1
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "setup-extension: installing Debian chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# Rebuild only when a source is newer than the installed build.
stamp=$DEST/package.json
if [ -f "$stamp" ] && [ -z "$(find extension/src extension/style extension/schema extension/package.json \
      extension/tsconfig.json extension/webpack.config.cjs core/verdict.ts core/llm.ts core/explain.ts core/output.ts -newer "$stamp" -print -quit)" ]; then
  exit 0
fi

echo "setup-extension: building $NAME"
mkdir -p .cache
BUILD_LOG=.cache/extension-build.log
# Offline, the builder needs: a yarn.lock beside the package, the core package file given explicitly, and an
# extension/node_modules folder so it resolves @jupyterlab/builder from the root's instead of running jlpm.
touch extension/yarn.lock
mkdir -p extension/node_modules
if ! { node node_modules/typescript/bin/tsc -p extension/tsconfig.json &&
  PATH=$VENV/bin:$PATH jupyter labextension build extension \
    --core-package-file="$(ls "$VENV"/lib/python3*/site-packages/jupyterlab/staging/package.json)"; } >"$BUILD_LOG" 2>&1; then
  # The log also holds harmless "Fail to get yarn configuration" noise from jupyter's startup.
  grep -v '^(()=>' "$BUILD_LOG" | tail -40 >&2
  echo "setup-extension: the build failed (full log: $BUILD_LOG)." >&2
  exit 1
fi

rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
cp -r "$OUT" "$DEST"
cat > "$DEST/install.json" <<JSON
{ "packageManager": "npm", "packageName": "$NAME", "uninstallInstructions": "Remove $DEST" }
JSON
PATH=$VENV/bin:$PATH jupyter labextension list 2>&1 | grep -q "$NAME.*enabled.*OK" || {
  echo "setup-extension: JupyterLab does not list $NAME as enabled and OK after installing it." >&2
  exit 1
}
echo "setup-extension: $NAME installed into $DEST"
