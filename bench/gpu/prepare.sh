#!/usr/bin/env bash
# Prepares the GPU check of the step kernels for a machine with an NVIDIA GPU (issue 6), here,
# where ftpc is built: writes BUILD/gpu-bundle/ with the kernels as objects (ftp-gpu-bundle), the
# runner linked against them (bench/gpu/gpu_runner.cpp; libstdc++ static, CUDA loaded at run
# time), the PTX assembled by ptxas for the chip, and the runner's CPU side run once.
#
#   bash bench/gpu/prepare.sh [BUILD_DIR] [CHIP]        (defaults: build, sm_90 for the H200)
#
# Then, on the GPU machine (the `device` tool carries BUILD/gpu-bundle):
#   bash bench/gpu/run-on-device.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
chip=${2:-sm_90}
bundle="$build/gpu-bundle"
cuda=${CUDA_HOME:-/usr/local/cuda}

cmake --build "$build" --target ftp-gpu-bundle
rm -rf "$bundle"
"$build/tools/ftp-gpu-bundle/ftp-gpu-bundle" "$bundle" --chip "$chip" --cuda "$cuda"
# Every kernel must assemble for the chip (the driver would JIT the same PTX there).
mkdir -p "$bundle/ptx"
/usr/lib/llvm-19/bin/split-file "$bundle/kernels_$chip.ptx" "$bundle/ptx"
for ptx in "$bundle"/ptx/*.ptx; do
  "$cuda/bin/ptxas" -arch="$chip" "$ptx" -o "${ptx%.ptx}.cubin"
done
c++ -O2 -std=c++17 bench/gpu/gpu_runner.cpp "$bundle/cpu_kernels.o" "$bundle/gpu_kernels_$chip.o" \
  -ldl -lm -static-libstdc++ -static-libgcc -o "$bundle/gpu_runner"
cp bench/gpu/gpu_runner.cpp "$bundle/"   # to rebuild there if this binary does not run
"$bundle/gpu_runner" --cpu-only
echo "prepare.sh: $bundle is ready ($(du -sh "$bundle" | cut -f1)); carry it to the GPU machine"
