#!/usr/bin/env bash
# Measures the build costs reported in docs/development.md, in a scratch build folder:
#   1. clean build with an empty ccache (configure + build everything)
#   2. clean build with a warm ccache (what a fresh clone costs on a machine that built before)
#   3. rebuild after a real edit of one runtime source file (the edit is undone afterwards)
#   4. the whole test suite (ctest)
# usage: scripts/measure-build.sh [SCRATCH_DIR]   (default: build-measure; clears ccache for step 1)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="${1:-$root/build-measure}"
export CCACHE_DIR="${CCACHE_DIR:-$scratch.ccache}"   # a private cache, so the user's is untouched

seconds() {
  local t0; t0=$(date +%s.%N)
  "$@" > /dev/null
  echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}'
}
configure_and_build() {
  cmake -G Ninja -S "$root" -B "$scratch" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DFTPC_FIXTURES_DIR="$root/build/fixtures" && cmake --build "$scratch"
}

rm -rf "$scratch" "$CCACHE_DIR"
cold=$(seconds configure_and_build)
rm -rf "$scratch"
warm=$(seconds configure_and_build)
# A real edit (new code, so ccache cannot answer from its cache), undone afterwards.
edited="$root/runtime/lib/ContentHash.cpp"
cp "$edited" "$scratch/edited.bak"
echo "namespace { [[maybe_unused]] int measureEdit$(date +%s%N) = 0; }" >> "$edited"
rebuild=$(seconds cmake --build "$scratch")
cp "$scratch/edited.bak" "$edited"
touch "$edited"
tests=$(cd "$scratch" && seconds ctest --parallel "$(nproc)")

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m)"
echo "clean build, empty ccache:   ${cold} s"
echo "clean build, warm ccache:    ${warm} s"
echo "rebuild after editing runtime/lib/ContentHash.cpp: ${rebuild} s"
echo "test suite (ctest):          ${tests} s"
