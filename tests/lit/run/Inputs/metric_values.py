"""Prints one evaluation's metrics from metrics.json files, one line per file, so a lit test can
compare runs: `metric_values.py KEY METRIC... -- FILE...` prints `METRIC=VALUE ...` (repr of the
float, all digits) for each FILE.
"""
import json
import sys

args = sys.argv[1:]
split = args.index("--")
key, metrics, files = args[0], args[1:split], args[split + 1:]
for path in files:
    with open(path) as f:
        evaluation = json.load(f)[key]
    print(" ".join(f"{m}={evaluation[m]!r}" for m in metrics))
