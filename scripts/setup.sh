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

# A build folder configured before LibTorch came from the wheel (Torch_DIR elsewhere, e.g. Debian's
# 1.13) is configured again from scratch: CMake would keep the old Torch_DIR from its cache.
libtorch="${FTPC_LIBTORCH_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/ftpc/libtorch-2.11.0}"
if [ -f "$build/CMakeCache.txt" ] && ! grep -q "^Torch_DIR:PATH=$libtorch/" "$build/CMakeCache.txt"; then
  echo "setup: $build was configured against another LibTorch; configuring it again"
  rm -f "$build/CMakeCache.txt" "$build/build.ninja"
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
fi
cmake --build "$build" ${JOBS:+--parallel "$JOBS"}

bash scripts/fixtures.sh "$build"
