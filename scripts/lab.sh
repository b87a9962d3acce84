#!/usr/bin/env bash
# The main job: set up (fast when already done), then JupyterLab on 127.0.0.1 with the example notebooks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
root_flag=()
if [ "$(id -u)" = 0 ]; then root_flag=(--allow-root); fi
exec jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$PWD/notebooks" "${root_flag[@]}" "$@"
