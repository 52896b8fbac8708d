#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the main example, examples/spam_filter.ftp, as
# far as ftpc can take it today: checking it, and showing the checked pipeline.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

bash "$root/scripts/setup.sh"
ftpc="$build/tools/ftpc/ftpc"

echo
echo "== ftpc --version"
"$ftpc" --version
echo
echo "== ftpc check examples/spam_filter.ftp"
"$ftpc" check "$root/examples/spam_filter.ftp" && echo "no errors"
echo
echo "== ftpc --emit=sema examples/spam_filter.ftp (the checked pipeline, defaults filled in)"
"$ftpc" --emit=sema "$root/examples/spam_filter.ftp"
echo
echo "== ftpc privacy examples/spam_filter.ftp (the DP-SGD budget, derived before running)"
"$ftpc" privacy "$root/examples/spam_filter.ftp"
echo
echo "== a mistake, caught before anything runs: ftpc check --set finetune.max_len=1024"
"$ftpc" check "$root/examples/spam_filter.ftp" --set finetune.max_len=1024 || true
