"""Fails when a diagnostic kind in lang/diag/DiagnosticKinds.def has no test under tests/lit.

A kind counts as tested when some lit test mentions it as `[kind-name]`, which is how both the text
output (`... [unexpected-character]`) and JSON checks (`"kind": "..."` is matched via the name) name
it. usage: check_coverage.py DEF_FILE TESTS_DIR
"""
import pathlib
import re
import sys

def_file, tests_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
kinds = re.findall(r'^DIAGNOSTIC\(\s*\w+\s*,\s*"([a-z0-9-]+)"', def_file.read_text(), re.M)
if not kinds:
    sys.exit(f"no DIAGNOSTIC entries found in {def_file}")

text = ""
for path in tests_dir.rglob("*"):
    if path.is_file() and path.suffix in (".ftp", ".mlir", ".test", ".toml") \
            and path.name != "coverage.test":
        text += path.read_text(errors="replace")

untested = [k for k in kinds if f"[{k}]" not in text and f'"kind": "{k}"' not in text]
for kind in untested:
    print(f"error: diagnostic kind `{kind}` has no test under {tests_dir}")
print(f"{len(kinds) - len(untested)} of {len(kinds)} diagnostic kinds have tests")
sys.exit(1 if untested else 0)
