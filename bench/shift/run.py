"""Runs the shift benchmark (shift.ftp) and its variants with ftpc and appends one JSON row per run
to bench/results/shift.jsonl: the variant, the seed, in-distribution and held-out-domain metrics,
the share of new legitimate mail kept as ham, the wall time, the commit and the machine.

Rows already in the file (same variant, seed and commit) are skipped, so an interrupted session
continues where it stopped. Each run directory is deleted once its row is written.

usage: run.py [--ftpc PATH] [VARIANT ...] [--seeds 1234 ...]     (default: every variant)
       run.py --table      the markdown table of docs/benchmarks.md, from the rows in the file
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RESULTS = os.path.join(ROOT, "bench", "results", "shift.jsonl")

# Each variant is the baseline with these (old, new) text replacements.
VARIANTS = {
    "baseline": [],
    "no-deid": [("    | deidentify(email, phone, ip, url, mode: mask)\n", "")],
    "body-only": [("email_text(subject: true, body: true)", "email_text(subject: false, body: true)")],
    "max_len-128": [("max_len 64", "max_len 128")],
    "epochs-2": [("epochs 1", "epochs 2")],
}


def commit():
    out = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return out.stdout.strip() + ("+dirty" if dirty else "")


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, {platform.system()}"


def done_rows():
    if not os.path.exists(RESULTS):
        return set()
    with open(RESULTS) as f:
        return {(r["variant"], r["seed"], r["commit"]) for r in map(json.loads, f) if r.get("bench") == "shift"}


def table():
    """Mean and range over seeds per variant, from every row in the results file (the newest
    commit's rows for a variant measured at several commits)."""
    with open(RESULTS) as f:
        rows = [r for r in map(json.loads, f) if r.get("bench") == "shift"]
    newest = {}
    for r in rows:
        newest[r["variant"]] = r["commit"]
    print("| variant | seeds | in-distribution accuracy | F1 | 2003 accuracy | F1 | false-positive rate | 2003 ham kept |")
    print("|---|---|---|---|---|---|---|---|")
    for variant in [v for v in VARIANTS if v in newest]:
        mine = [r for r in rows if r["variant"] == variant and r["commit"] == newest[variant]]

        def cell(get):
            values = [get(r) for r in mine]
            mean = sum(values) / len(values)
            return f"{mean:.3f}" if len(values) == 1 else f"{mean:.3f} ({min(values):.3f}–{max(values):.3f})"
        print(f"| {variant} | {', '.join(str(r['seed']) for r in mine)} "
              f"| {cell(lambda r: r['in_distribution']['accuracy'])} | {cell(lambda r: r['in_distribution']['f1'])} "
              f"| {cell(lambda r: r['other_year']['accuracy'])} | {cell(lambda r: r['other_year']['f1'])} "
              f"| {cell(lambda r: r['other_year']['false_positive_rate'])} | {cell(lambda r: r['ham_2003_kept'])} |")


def main():
    if "--table" in sys.argv[1:]:
        table()
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--ftpc", default=os.path.join(ROOT, "build", "tools", "ftpc", "ftpc"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[1234])
    parser.add_argument("variants", nargs="*", default=list(VARIANTS))
    args = parser.parse_args()
    base = open(os.path.join(HERE, "shift.ftp")).read()
    head = commit()
    seen = done_rows()
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    for variant in args.variants:
        for seed in args.seeds:
            if (variant, seed, head) in seen:
                print(f"{variant} seed {seed}: already measured at {head}")
                continue
            text = base.replace("seed 1234", f"seed {seed}")
            for old, new in VARIANTS[variant]:
                if old not in text:
                    sys.exit(f"variant {variant}: `{old.strip()}` not in shift.ftp")
                text = text.replace(old, new)
            path = os.path.join(HERE, f".shift-{variant}-{seed}.ftp")
            with open(path, "w") as f:
                f.write(text)
            out = os.path.join(ROOT, "build", "runs", "shift", f"{variant}-{seed}")
            shutil.rmtree(out, ignore_errors=True)
            start = time.time()
            run = subprocess.run([args.ftpc, "run", path, "--quiet", "--out", out], capture_output=True, text=True)
            seconds = time.time() - start
            os.remove(path)
            if run.returncode != 0:
                sys.exit(f"{variant} seed {seed}: ftpc exited {run.returncode}\n{run.stderr}")
            with open(os.path.join(out, "metrics.json")) as f:
                metrics = json.load(f)
            pick = lambda key, names: {n: metrics[key].get(n) for n in names}
            row = {"bench": "shift", "variant": variant, "seed": seed,
                   "in_distribution": pick("test", ["accuracy", "f1", "false_positive_rate"]),
                   "other_year": pick("y2003", ["accuracy", "f1", "false_positive_rate"]),
                   "ham_2003_kept": metrics["ham2003"]["accuracy"],
                   "seconds": round(seconds, 1), "commit": head, "machine": machine(),
                   "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
            with open(RESULTS, "a") as f:
                f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
