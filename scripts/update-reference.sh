#!/usr/bin/env bash
# Regenerates the reference section of docs/language.md from the checker's schema
# (`ftpc --print-schema`); tests/lit/docs/reference.test fails until this has been run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ftpc="${FTPC:-$root/build/tools/ftpc/ftpc}"
python3 - "$root/docs/language.md" "$("$ftpc" --print-schema)" <<'PY'
import re, sys
path, generated = sys.argv[1], sys.argv[2] + "\n"
text = open(path).read()
begin = "<!-- BEGIN GENERATED REFERENCE: ftpc --print-schema -->\n"
end = "<!-- END GENERATED REFERENCE -->"
pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
if not pattern.search(text):
    sys.exit(f"{path}: reference markers not found")
open(path, "w").write(pattern.sub(lambda _: begin + generated + end, text))
print(f"updated the reference section of {path}")
PY
