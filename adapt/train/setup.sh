#!/usr/bin/env bash
# Builds the training environment of `streamlink adapt train` on first use: a virtualenv with torch, transformers
# (which reads the GGUF model, dequantised), peft (the LoRA), and llama.cpp's LoRA→GGUF converter, which ships only
# inside the llama-cpp-python *source* package on PyPI (vendor/llama.cpp with its gguf-py and conversion/).
# Usage: adapt/train/setup.sh VENV_DIR    (idempotent: a finished environment is left as it is)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$1"
converter_version=0.3.36
stamp="$venv/.streamlink-ready"
want="$(sha256sum "$here/requirements.txt" | cut -c1-16) llama-cpp-python==$converter_version"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then exit 0; fi
echo "adapt train: building the training environment in $venv (once): ~5.6 GB of PyPI packages (torch brings its CUDA wheels), a few minutes" >&2
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" -m pip install --upgrade --progress-bar off pip >&2
"$venv/bin/python" -m pip install --progress-bar off -r "$here/requirements.txt" >&2
echo "adapt train: fetching llama.cpp's LoRA converter (llama-cpp-python $converter_version source package, ~75 MB)" >&2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" -m pip download --quiet --no-deps --no-binary :all: -d "$work" "llama-cpp-python==$converter_version" >&2
top="llama_cpp_python-$converter_version/vendor/llama.cpp"
tar -xzf "$work/llama_cpp_python-$converter_version.tar.gz" -C "$work" \
  "$top/convert_lora_to_gguf.py" "$top/convert_hf_to_gguf.py" "$top/conversion" "$top/gguf-py"
rm -rf "$venv/llama.cpp"
mv "$work/$top" "$venv/llama.cpp"
echo "$want" > "$stamp"
echo "adapt train: training environment ready ($(du -sh "$venv" | cut -f1))" >&2
