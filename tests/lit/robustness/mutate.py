"""Mutates the shipped examples at random and runs `ftpc check` on each mutant.

Every run must end with exit code 0 (accepted) or 1 (rejected) -- never a crash, a hang (a
timeout), an internal error (2) -- and every diagnostic header line must carry `file:line:col`.
The mutations are seeded, so a failure reproduces: the failing mutant is printed.

usage: mutate.py FTPC EXAMPLES_DIR FIXTURES_DIR WORK_DIR MUTANTS_PER_FILE SEED
"""
import pathlib
import random
import re
import shutil
import subprocess
import sys

ftpc, examples = sys.argv[1], pathlib.Path(sys.argv[2])
fixtures, work = pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
per_file, seed = int(sys.argv[5]), int(sys.argv[6])
rng = random.Random(seed)

HEADER = re.compile(r"^(?:[^:\n]+|--set):\d+:\d+: (?:error|warning|note): .+ \[[a-z0-9-]+\]$")
SNIPPETS = ("{", "}", "(", ")", "[", "]", ",", ":", "|", "=", "\"", "#", "-", ".", "\n",
            "0", "-1", "1e999", "99999999999999999999", "epochs", "data", "model", "finetune",
            "\\", "\u201c", "\xff", "split(a: 1)", "use x.y", "import \"./nope\"")


def mutate(text):
    for _ in range(rng.randint(1, 4)):
        if not text:
            break
        i = rng.randrange(len(text))
        j = min(len(text), i + rng.randint(1, 12))
        choice = rng.randrange(6)
        if choice == 0:
            text = text[:i] + text[j:]                       # delete a span
        elif choice == 1:
            text = text[:i] + rng.choice(SNIPPETS) + text[i:]  # insert a token
        elif choice == 2:
            text = text[:i] + text[i:j] * 2 + text[j:]        # duplicate a span
        elif choice == 3:
            lines = text.split("\n")
            k = rng.randrange(len(lines))
            lines.insert(rng.randrange(len(lines) + 1), lines[k])  # duplicate a line
            text = "\n".join(lines)
        elif choice == 4:
            text = text[:i]                                   # truncate
        else:
            text = re.sub(r"\d+(\.\d+)?", lambda m: rng.choice(["0", "-3", "1.5", "1e-99", "7"]),
                          text, count=1)
    return text


# Mutants live next to a copy of each example's folder so that relative paths and ftp.toml apply.
work.mkdir(parents=True, exist_ok=True)
project = work / "examples"
if project.exists():
    shutil.rmtree(project)
shutil.copytree(examples, project, symlinks=True)
# The copy reads the same fixtures as the original, so mutants get past the path checks.
config = project / "ftp.toml"
if config.exists():
    config.write_text(config.read_text().replace("../build/fixtures", str(fixtures.resolve())))

runs = 0
for source in sorted(examples.glob("*.ftp")):
    original = source.read_text(encoding="utf-8")
    for n in range(per_file):
        mutant = project / f"mutant_{source.stem}_{n}.ftp"
        mutant.write_bytes(mutate(original).encode("utf-8", "surrogateescape"))
        try:
            result = subprocess.run([ftpc, "check", str(mutant)], capture_output=True, timeout=20)
        except subprocess.TimeoutExpired:
            sys.exit(f"HANG: ftpc check {mutant}")
        runs += 1
        if result.returncode not in (0, 1):
            sys.exit(f"CRASH or internal error (exit {result.returncode}) on {mutant}:\n"
                     + result.stderr.decode(errors="replace"))
        stderr = result.stderr.decode(errors="replace")
        for line in stderr.splitlines():
            if line.startswith(" ") or not line:
                continue  # source snippet, caret, fix-it
            if not HEADER.match(line):
                sys.exit(f"diagnostic without file:line:col on {mutant}:\n{line}")
        if result.returncode == 1 and "error:" not in stderr:
            sys.exit(f"rejected without an error message: {mutant}")
        mutant.unlink()
print(f"{runs} mutants checked: no crash, no hang, every diagnostic located")
