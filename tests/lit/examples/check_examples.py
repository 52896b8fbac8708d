"""Runs `ftpc check` on every example pipeline and every stdlib module, one file at a time, and fails
unless each one exits 0 and prints nothing: shipped files carry no error and no warning.

The folders are globbed, so examples and modules are covered as soon as they are added.
usage: check_examples.py FTPC SRC_ROOT
"""
import glob
import os
import subprocess
import sys

ftpc, root = sys.argv[1:3]


def ftp_files(folder):
    return sorted(glob.glob(os.path.join(root, folder, "**", "*.ftp"), recursive=True))


examples = ftp_files("examples")
modules = ftp_files("stdlib")
if not examples or not modules:
    sys.exit(f"found {len(examples)} examples and {len(modules)} stdlib modules under {root}; "
             "expected some of each")

failures = []
for path in examples + modules:
    name = os.path.relpath(path, root)
    try:
        run = subprocess.run([ftpc, "check", path], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        failures.append(f"{name}: `ftpc check` did not finish within 120 s")
        continue
    # The only output allowed is the privacy budget `ftpc check` prints for private fine-tuning.
    unexpected = [line for line in run.stdout.splitlines() if ": DP-SGD with Poisson sampling:" not in line]
    if run.returncode != 0 or unexpected or run.stderr:
        failures.append(f"{name}: `ftpc check` exited {run.returncode}\n{run.stdout}{run.stderr}")

for failure in failures:
    print(f"error: {failure}")
if failures:
    sys.exit(1)
print(f"{len(examples)} examples and {len(modules)} stdlib modules check clean")
