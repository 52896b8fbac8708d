#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the main example: fine-tune the pretrained
# all-MiniLM-L6-v2 encoder on the SpamAssassin mails to tell ham from spam (examples/spam/spam.ftp,
# about 10 minutes on 2 cores; examples/spam/README.md has the numbers measured here). Also shows
# what the compiler checks before anything runs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

bash "$root/scripts/setup.sh"
ftpc="$build/tools/ftpc/ftpc"

echo
echo "== ftpc --version"
"$ftpc" --version
echo
echo "== ftpc check examples/spam_filter.ftp (the private, robust variant: its DP budget is derived before running)"
"$ftpc" check "$root/examples/spam_filter.ftp"
echo
echo "== a mistake, caught before anything runs: ftpc check --set finetune.max_len=1024"
"$ftpc" check "$root/examples/spam_filter.ftp" --set finetune.max_len=1024 || true
echo
run="$build/runs/spam/example"
echo "== ftpc run examples/spam/spam.ftp --out $run"
rm -rf "$run"
"$ftpc" run "$root/examples/spam/spam.ftp" --out "$run"
echo
echo "== test metrics ($run/metrics.json)"
cat "$run/metrics.json"
echo
echo "== ftpc verify $run"
"$ftpc" verify "$run"
echo "report: $run/report.html"
