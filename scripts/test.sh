#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the whole test suite: a bounded fuzzing run of the
# front end, then GoogleTest unit tests and the lit suite through CTest. Exits non-zero if any fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

bash "$root/scripts/setup.sh"
# Fuzz the front end for a bounded time first (clang + libFuzzer, its own build tree), so the test
# runner's summary stays the last thing printed. FUZZ_SECONDS=0 skips it.
if [ "${FUZZ_SECONDS:-20}" -gt 0 ]; then
  bash "$root/scripts/fuzz.sh" "${FUZZ_SECONDS:-20}"
fi
cd "$build"
ctest --output-on-failure --parallel "$(nproc)" "$@"
