#!/usr/bin/env bash
# Regenerates the demo's precomputed title+abstract embeddings (notebooks/data/patents/patents_embeddings_title_abstract/)
# with the bundled embedding model, as int8 vectors to keep the committed files small. Run after the demo data or the
# embedding model changes; then update the part checksums in notebooks/data/patents/PROVENANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
node bin/streamlink.js data embed --db notebooks/data/patents --table patents --on title,abstract \
  --out notebooks/data/patents --int8 --overwrite
sha256sum notebooks/data/patents/patents_embeddings_title_abstract/*.parquet
