#!/usr/bin/env bash
# A run whose disk is too small for its checkpoints: a 150 MB tmpfs (a MiniLM checkpoint is about
# 360 MB) mounted in this process's own mount namespace, so it goes when the namespace does. What
# the run printed and left there is printed before the namespace ends.
#
# usage: unshare -m disk_full.sh FTPC PROJECT_DIR      (needs root)
set -uo pipefail
ftpc=$1
cd "$2"
mkdir -p small
mount -t tmpfs -o size=150m tmpfs small || exit 99
"$ftpc" run tiny.ftp --out small/r 2> stderr.txt
echo "exit $?"
cat stderr.txt
echo "checkpoint folder holds: [$(ls -A small/r/checkpoints/stage-0-clf | tr '\n' ' ')]"
grep "^status" small/r/manifest.toml
echo "train events kept: $(grep -c '"event":"train"' small/r/metrics.jsonl)"
echo "run.log ends: $(tail -n 1 small/r/run.log | cut -d' ' -f2-4)"
