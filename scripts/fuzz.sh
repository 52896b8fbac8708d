#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-19 in build-fuzz/ and runs each for a bounded time on a
# seed corpus (the shipped examples and lit inputs). Exits non-zero on any crash, hang, leak or
# sanitizer report; the reproducer is left in build-fuzz/artifacts/.
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60; targets: the .ftp front end, ftp.toml,
#        safetensors, pytorch_model.bin, PII text, CSV / JSON Lines / e-mail)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-60}"

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
    -DFTPC_ENABLE_FUZZERS=ON -DFTPC_BUILD_TESTS=OFF -DFTPC_BUILD_BENCHMARKS=OFF > /dev/null
fi
cmake --build "$build" --target fuzz-frontend fuzz-config fuzz-safetensors fuzz-torch-pickle fuzz-deid \
  fuzz-data fuzz-record

# fuzz TARGET SEED_PATTERN...: seeds from the project's own inputs, then a bounded run.
fuzz() {
  local target="$1" corpus="$build/corpus/$1" pattern
  mkdir -p "$corpus" "$build/artifacts"
  for pattern in "${@:2}"; do
    for dir in examples stdlib tests/lit tests/unit/runtime/data tests/unit/record/data; do
      if [ -d "$root/$dir" ]; then find "$root/$dir" -name "$pattern" -exec cp {} "$corpus/" \; ; fi
    done
  done
  echo "fuzz: $target for ${seconds}s on $(ls "$corpus" | wc -l) inputs"
  "$build/tests/fuzz/$target" "$corpus" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$build/artifacts/$target-" -print_final_stats=1 2>&1 |
    grep -E "^stat::(number_of_executed_units|new_units_added)|ERROR|SUMMARY|Test unit written" || true
  # libFuzzer's own exit status is lost in the pipe; a written reproducer means it failed.
  if ls "$build/artifacts/$target-"* > /dev/null 2>&1; then
    echo "fuzz: $target FAILED; reproducer(s): $(ls "$build/artifacts/$target-"*)"
    return 1
  fi
}

rm -rf "$build/artifacts"
fuzz fuzz-frontend '*.ftp'
fuzz fuzz-config '*.toml'
fuzz fuzz-safetensors '*.safetensors'
fuzz fuzz-torch-pickle '*.bin'
fuzz fuzz-deid '*.jsonl'
fuzz fuzz-data '*.csv' '*.jsonl' '*.eml'
fuzz fuzz-record 'manifest.toml' 'metrics.json' 'data_report.json' 'metrics.jsonl'
echo "fuzz: no crashes"
