"""Checks the metrics.json of make_lm_project.py's lm.ftp (and, with --reload, of reload.ftp).

usage: check_lm_metrics.py LM_METRICS [--reload RELOAD_METRICS]
"""
import argparse
import json
import sys

parser = argparse.ArgumentParser()
parser.add_argument("metrics")
parser.add_argument("--reload")
args = parser.parse_args()

m = json.load(open(args.metrics))
problems = []
expected = {"test", "test#2", "menu.test", "menu.test#2", "test#3"}
if set(m) != expected:
    problems.append(f"keys {sorted(m)} != {sorted(expected)}")
else:
    ppl = {k: v["perplexity"] for k, v in m.items()}
    # At initialization the model guesses nearly uniformly over its 2000 tokens.
    if not 1000 < ppl["test"] < 4000:
        problems.append(f"perplexity at initialization {ppl['test']}, expected near 2000")
    # Training on notes teaches their sentences: ten times better is little to ask of 30 steps.
    if not ppl["test#2"] < ppl["test"] / 10:
        problems.append(f"notes perplexity {ppl['test']} -> {ppl['test#2']} after training")
    # Fine-tuning on menu lowers menu's perplexity.
    if not ppl["menu.test#2"] < ppl["menu.test"]:
        problems.append(f"menu perplexity {ppl['menu.test']} -> {ppl['menu.test#2']} after fine-tuning")
    for k, v in m.items():
        if k != "test" and abs(v["loss"] - __import__("math").log(v["perplexity"])) > 1e-6 * max(1, v["loss"]):
            problems.append(f"{k}: perplexity {v['perplexity']} is not exp(loss {v['loss']})")
    if args.reload:
        r = json.load(open(args.reload))
        for theirs, ours in (("test", "menu.test#2"), ("notes.test", "test#3")):
            a, b = r.get(theirs, {}).get("perplexity"), m[ours]["perplexity"]
            if a is None or abs(a - b) > 1e-5 * b:
                problems.append(f"reloaded export: {theirs} perplexity {a}, the run's {ours} {b}")
for p in problems:
    print("check_lm_metrics:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
