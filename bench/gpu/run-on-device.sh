#!/usr/bin/env bash
# Runs the step kernels' GPU check on a machine with an NVIDIA GPU, from BUILD/gpu-bundle made by
# bench/gpu/prepare.sh: correctness of every PTX kernel against the CPU kernels, and the fused
# clip+noise+AdamW update's bandwidth at 1M, 10M and 100M parameters against a copy probe and the
# H200's 4.8 TB/s. Writes $OUT/gpu.txt (or ./gpu.txt) and prints it.
#
#   bash bench/gpu/run-on-device.sh [BUILD_DIR]
set -uo pipefail
cd "$(dirname "$0")/../.."
bundle="${1:-build}/gpu-bundle"
out="${OUT:-.}/gpu.txt"
{
  date -u +"%Y-%m-%dT%H:%M:%SZ"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.memory --format=csv 2>&1 || true
  runner="$bundle/gpu_runner"
  if ! "$runner" --cpu-only > /dev/null 2>&1; then
    # The prebuilt runner does not start here (an older C library?): link it again from the
    # objects, which need only a C++ compiler.
    chip=$(ls "$bundle"/gpu_kernels_*.o | head -1)
    c++ -O2 -std=c++17 "$bundle/gpu_runner.cpp" "$bundle/cpu_kernels.o" "$chip" -ldl -lm \
      -o /tmp/gpu_runner && runner=/tmp/gpu_runner
  fi
  "$runner" --repeats 20
  echo "exit status: $?"
} 2>&1 | tee "$out"
