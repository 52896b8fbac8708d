#!/usr/bin/env bash
# Installs LibTorch 2.11.0 from the PyPI `torch` wheel into a project-local prefix (never the system
# Python): scripts/libtorch/requirements-2.11.0.txt pins every wheel by hash, pip unpacks them with
# --target, keeping the wheels' layout (torch/ beside nvidia/) that their RPATHs expect. CMake finds
# the result without flags (cmake/FtpcDependencies.cmake looks in the same place).
#
#   prefix: $FTPC_LIBTORCH_PREFIX, default ${XDG_CACHE_HOME:-~/.cache}/ftpc/libtorch-2.11.0
#
# Idempotent: a prefix holding a `.ready` file with the requirement file's hash is left alone; an
# interrupted install is never mistaken for a finished one (it goes to a temporary folder first).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
requirements="$here/requirements-2.11.0.txt"
prefix="${FTPC_LIBTORCH_PREFIX:-${XDG_CACHE_HOME:-$HOME/.cache}/ftpc/libtorch-2.11.0}"
key=$(sha256sum "$requirements" | cut -d' ' -f1)
say() { echo "libtorch: $*"; }

if [ -f "$prefix/.ready" ] && [ "$(cat "$prefix/.ready")" = "$key" ]; then
  say "2.11.0 ready in $prefix"
  exit 0
fi

mkdir -p "$(dirname "$prefix")"
tmp=$(mktemp -d "$prefix.partial.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
say "installing torch 2.11.0 and its CUDA libraries from PyPI into $prefix (about 2.6 GB to download, once)"
# The wheels are tagged for CPython 3.11 and manylinux; naming the tags makes the install independent
# of the Python that runs pip (only the C++ libraries are used).
platforms=()
for tag in manylinux_2_28 manylinux_2_27 manylinux_2_25 manylinux_2_24 manylinux_2_18 manylinux_2_17 \
           manylinux2014 manylinux_2_12 manylinux2010 manylinux_2_5 manylinux1; do
  platforms+=(--platform "${tag}_x86_64")
done
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --require-hashes \
  --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 "${platforms[@]}" \
  --target "$tmp" -r "$requirements"

# Only the C++ side is used: drop the Python extension and bindings so nothing can import them.
rm -rf "$tmp/bin" "$tmp"/torch/_C*.so "$tmp/torch/lib/libtorch_python.so"
# The wheel carries fmt 12's headers, which LibTorch's libraries use only internally (they export no
# fmt symbol). Left in place they would shadow Debian's fmt 9, whose library ftpc links: every fmt
# call in a LibTorch-facing file would then name fmt::v12 functions that no library defines. The few
# LibTorch headers that include fmt (c10d's logging) compile against fmt 9 as they are.
rm -rf "$tmp/torch/include/fmt"
[ -f "$tmp/torch/share/cmake/Torch/TorchConfig.cmake" ] || { say "the wheel has no TorchConfig.cmake"; exit 1; }
[ -f "$tmp/torch/lib/libtorch_cpu.so" ] || { say "the wheel has no libtorch_cpu.so"; exit 1; }

echo "$key" > "$tmp/.ready"
rm -rf "$prefix"
mv "$tmp" "$prefix"
trap - EXIT
say "2.11.0 installed in $prefix ($(du -sh "$prefix" | cut -f1))"
