#!/bin/sh
# The whole pipeline, nice'd so that builds on the same machine keep priority.
# Needs: apt-get install -y python3-torch python3-numpy python3-sentencepiece python3-matplotlib libopenblas0-openmp
# and npm (to fetch the corpus). Uses Debian's /usr/bin/python3, where apt installs those packages.
set -e
cd "$(dirname "$0")"
PY="nice -n 19 /usr/bin/python3"
$PY prepare_data.py
$PY train_tokenizer.py
$PY train.py --minutes "${MINUTES:-33}"
$PY export.py
$PY check_export.py
