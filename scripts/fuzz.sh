#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-19 in build-fuzz/ and runs each for a bounded time on a
# seed corpus (the shipped examples and lit inputs). Exits non-zero on any crash, hang, leak or
# sanitizer report; the reproducer is left in build-fuzz/artifacts/.
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-60}"

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DFTPC_ENABLE_FUZZERS=ON -DFTPC_BUILD_TESTS=OFF -DFTPC_BUILD_BENCHMARKS=OFF > /dev/null
fi
cmake --build "$build" --target fuzz-frontend

corpus="$build/corpus/frontend"
mkdir -p "$corpus" "$build/artifacts"
for dir in examples stdlib tests/lit; do
  if [ -d "$root/$dir" ]; then find "$root/$dir" -name '*.ftp' -exec cp {} "$corpus/" \; ; fi
done

echo "fuzz: fuzz-frontend for ${seconds}s on $(ls "$corpus" | wc -l) inputs"
"$build/tests/fuzz/fuzz-frontend" "$corpus" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=2048 -artifact_prefix="$build/artifacts/" -print_final_stats=1 2>&1 |
  tail -n 15
echo "fuzz: no crashes"
