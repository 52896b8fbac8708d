#!/usr/bin/env bash
# Sets everything up: system packages (scripts/bootstrap.sh), a configured and built tree in BUILD_DIR
# (default: build), and the test fixtures. Safe to run again: every step skips what is done.
#
# usage: scripts/setup.sh            environment: BUILD_DIR, BUILD_TYPE (RelWithDebInfo), JOBS
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
cd "$root"

bash scripts/bootstrap.sh

# OPENBLAS_CORETYPE may be set on this machine kind (older OpenBLAS miscomputes on it): keep it.
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
fi
cmake --build "$build" ${JOBS:+--parallel "$JOBS"}

bash scripts/fixtures.sh "$build"
