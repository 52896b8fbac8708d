"""Prints the largest absolute difference between the training losses of two runs, step by step
(metrics.jsonl's `train` events), and fails unless both have the same number of steps and the
difference lies in [LOW, HIGH].

usage: train_loss_gap.py A/metrics.jsonl B/metrics.jsonl LOW HIGH
"""
import json
import sys


def losses(path):
    with open(path) as f:
        return [e["loss"] for e in map(json.loads, f) if e.get("event") == "train"]


a, b = losses(sys.argv[1]), losses(sys.argv[2])
low, high = float(sys.argv[3]), float(sys.argv[4])
if len(a) != len(b) or not a:
    sys.exit(f"{len(a)} and {len(b)} training steps")
gap = max(abs(x - y) for x, y in zip(a, b))
print(f"{len(a)} steps, largest loss difference {gap:.3g}")
if not low <= gap <= high:
    sys.exit(f"the difference {gap} is outside [{low}, {high}]")
