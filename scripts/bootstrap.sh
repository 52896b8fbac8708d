#!/usr/bin/env bash
# Installs everything ftpc needs to build, test and benchmark: the system packages from Debian's
# archive, then LibTorch 2.11.0 from the PyPI torch wheel into a project-local prefix
# (scripts/libtorch/install.sh). Idempotent and non-interactive: safe to run on every setup and in CI.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build ccache lld-19 python3 python3-pip python3-venv
  # compiler back end: LLVM/MLIR 19 (FileCheck and lit come with llvm-19-tools)
  llvm-19-dev libmlir-19-dev mlir-19-tools llvm-19-tools libomp-19-dev
  # libraries
  libfmt-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libre2-dev libutf8proc-dev libssl-dev
  # the PRV privacy accountant's FFT
  libfftw3-dev
  # data-parallel runs: LibTorch's Gloo process group header needs Gloo's headers (the wheel ships
  # Gloo's library inside libtorch_cpu.so but not its headers); the two-host test
  # joins network namespaces with iproute2
  libgloo-dev iproute2
  # tests, benchmarks, fuzzing (libFuzzer needs clang's runtime)
  libgtest-dev libgmock-dev libbenchmark-dev clang-19 libclang-rt-19-dev
  # fixtures
  ca-certificates tar gzip unzip
)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#packages[@]} packages already installed"
else
  echo "bootstrap: installing ${#missing[@]} packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# LibTorch: the torch wheel's C++ libraries with their CUDA libraries, pinned by hash (not Debian's
# libtorch-dev 1.13: CPU-only, OpenBLAS and no fused attention made training about 2x slower).
bash "$(dirname "${BASH_SOURCE[0]}")/libtorch/install.sh"
echo "bootstrap: done"
