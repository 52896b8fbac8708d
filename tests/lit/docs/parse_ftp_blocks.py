"""Extracts the complete programs from a Markdown file and parses each with `ftpc --emit=ast`.

A complete program is a ```ftp code block whose first line that is neither blank nor a comment is
the version line `ftp ...`; other ```ftp blocks are fragments and are left alone. Each program is
written to WORK_DIR/<markdown name>-<line>.ftp (the line of its opening fence) and must parse with
exit code 0 and no diagnostic. usage: parse_ftp_blocks.py FTPC MARKDOWN WORK_DIR
"""
import os
import re
import shutil
import subprocess
import sys

ftpc, markdown, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

FENCE = re.compile(r"^(\s*)```+\s*(\S*)")
blocks = []  # (line of the opening fence, text)
inside = None
with open(markdown, encoding="utf-8") as f:
    for number, line in enumerate(f, start=1):
        fence = FENCE.match(line)
        if inside is None:
            if fence:
                inside = (number, fence.group(2), len(fence.group(1)), [])
            continue
        if fence and not fence.group(2):
            start, info, indent, lines = inside
            if info == "ftp":
                blocks.append((start, "".join(lines)))
            inside = None
            continue
        inside[3].append(line[inside[2]:] if line[:inside[2]].strip() == "" else line)


def is_complete(text):
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.startswith("ftp ")
    return False


stem = os.path.splitext(os.path.basename(markdown))[0]
complete = [(start, text) for start, text in blocks if is_complete(text)]
if not complete:
    sys.exit(f"no complete ```ftp blocks (starting with `ftp 0.1`) found in {markdown}")

failures = []
for start, text in complete:
    path = os.path.join(work, f"{stem}-{start}.ftp")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    run = subprocess.run([ftpc, "--emit=ast", path], capture_output=True, text=True)
    if run.returncode != 0 or run.stderr:
        failures.append(f"{markdown}:{start}: the block does not parse (exit {run.returncode})\n"
                        f"{run.stderr}")

for failure in failures:
    print(f"error: {failure}")
if failures:
    sys.exit(1)
print(f"{len(complete)} complete ftp blocks in {stem}.md parse cleanly "
      f"({len(blocks) - len(complete)} fragments not checked)")
