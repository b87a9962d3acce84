#!/usr/bin/env bash
# What `streamlink serve start --class FILE` needs on top of scripts/setup.sh: JupyterHub in .venv and nginx.
# configurable-http-proxy comes with the npm packages. nginx is the system's when installed, else Debian's
# package unpacked into .cache/nginx (apt-get download needs no root; nothing is installed system-wide).
# Idempotent: a second run only checks stamps.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[setup-serve] %s\n' "$*" >&2; }

req_sum=$(sha256sum scripts/requirements-serve.txt | cut -c1-64)
if [ "$(cat .venv/.streamlink-serve-req 2>/dev/null)" != "$req_sum" ]; then
  log "installing JupyterHub into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r scripts/requirements-serve.txt
  echo "$req_sum" > .venv/.streamlink-serve-req
fi

if [ ! -x /usr/sbin/nginx ] && [ ! -x /usr/bin/nginx ] && [ ! -x .cache/nginx/usr/sbin/nginx ]; then
  command -v apt-get >/dev/null || { echo "nginx is needed: install it with your package manager" >&2; exit 1; }
  log "unpacking Debian's nginx into .cache/nginx"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && apt-get download nginx nginx-common >/dev/null 2>&1) || { echo "apt-get download nginx failed; install nginx with your package manager" >&2; exit 1; }
  mkdir -p .cache/nginx
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" .cache/nginx; done
fi
log "ready"
