#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the main example, examples/spam_filter.ftp, as
# far as ftpc can take it today.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

bash "$root/scripts/setup.sh"
ftpc="$build/tools/ftpc/ftpc"

echo
echo "== ftpc --version"
"$ftpc" --version
echo
echo "== ftpc --emit=tokens examples/spam_filter.ftp (first 20 tokens)"
"$ftpc" --emit=tokens "$root/examples/spam_filter.ftp" > "$build/spam_filter.tokens"
head -n 20 "$build/spam_filter.tokens"
echo "... $(wc -l < "$build/spam_filter.tokens") tokens in all, no errors"
