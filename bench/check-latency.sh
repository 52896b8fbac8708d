#!/usr/bin/env bash
# Whole-process latency of `ftpc check` on the largest example, against the 20 ms target (issue 3):
# process start, reading ftp.toml, lexing, parsing, checking (file-system checks included), exit.
# Prints the median of N runs and the ratio to the target. usage: bench/check-latency.sh [N] [BUILD]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-50}"
build="${2:-$root/build}"
ftpc="$build/tools/ftpc/ftpc"
largest=$(ls -S "$root"/examples/*.ftp | head -n 1)
"$ftpc" check "$largest" > /dev/null   # warm the page cache; fails loudly if the example is broken
python3 - "$ftpc" "$largest" "$runs" <<'PY'
import statistics, subprocess, sys, time
ftpc, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = []
for _ in range(runs):
    t0 = time.perf_counter()
    subprocess.run([ftpc, "check", path], check=True, stdout=subprocess.DEVNULL)
    times.append((time.perf_counter() - t0) * 1000)
median = statistics.median(times)
print(f"ftpc check {path.split('/')[-1]}: median {median:.1f} ms over {runs} runs "
      f"(min {min(times):.1f}, max {max(times):.1f}); target 20 ms; ratio to target {median / 20:.2f}")
sys.exit(0 if median < 20 else 1)
PY
