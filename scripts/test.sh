#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh), then runs the whole test suite: GoogleTest unit tests and
# the lit suite, through CTest. Exits non-zero if any test fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"

bash "$root/scripts/setup.sh"
cd "$build"
ctest --output-on-failure --parallel "$(nproc)" "$@"
