"""Searches every file under the given folders (bytes, so binary files count) for the canaries
make_project.py --canary plants: the local parts canary.4711..canary.4774 and the phone numbers
555-1000..555-1063 (also without separators). Prints each hit and exits 1, or a summary line."""
import os
import re
import sys

patterns = [re.compile(rb"canary\.47[0-9][0-9]"), re.compile(rb"555.?10[0-6][0-9]"),
            re.compile(rb"example\.org")]
searched, hits = 0, []
for root in sys.argv[1:]:
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                data = f.read()
            searched += 1
            for pattern in patterns:
                for match in pattern.finditer(data):
                    hits.append(f"{path}: {match.group(0)!r}")
if hits:
    print("\n".join(hits[:20]))
    sys.exit(1)
print(f"searched {searched} files: no canary found")
