"""Formats a copy of every .ftp file under examples/ and stdlib/ twice and compares the results,
then runs `ftpc fmt --check` over the originals: shipped files are already canonical.
usage: format_twice.py FTPC SRC_ROOT TMP_DIR

The folders are globbed, so new examples and modules are covered as they are added.
"""
import glob
import os
import shutil
import subprocess
import sys

ftpc, root, tmp = sys.argv[1:4]
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)


def ftp_files(folder):
    return sorted(glob.glob(os.path.join(root, folder, "**", "*.ftp"), recursive=True))


examples = ftp_files("examples")
files = examples + ftp_files("stdlib")
failures = []
for index, path in enumerate(files):
    name = os.path.relpath(path, root)
    copy = os.path.join(tmp, f"{index}-{os.path.basename(path)}")
    shutil.copyfile(path, copy)
    results = []
    for _ in range(2):
        run = subprocess.run([ftpc, "fmt", copy], capture_output=True, text=True)
        if run.returncode != 0:
            failures.append(f"{name}: `ftpc fmt` exited {run.returncode}\n{run.stderr}")
            break
        with open(copy, "rb") as f:
            results.append(f.read())
    if len(results) == 2 and results[0] != results[1]:
        failures.append(f"{name}: formatting twice gives a different text than formatting once")

if files:
    run = subprocess.run([ftpc, "fmt", "--check"] + files, capture_output=True, text=True)
    if run.returncode != 0:
        failures.append(f"shipped files are not canonical; run `ftpc fmt` on them:\n"
                        f"{run.stdout}{run.stderr}")

if not examples:
    failures.append(f"no .ftp files under {root}/examples")
for failure in failures:
    print(f"error: {failure}", file=sys.stderr)
if failures:
    sys.exit(1)
print(f"{len(files)} files formatted twice with the same result")
print(f"{len(examples)} examples and {len(files) - len(examples)} stdlib modules already canonical")
