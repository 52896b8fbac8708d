"""Prints the generated reference section of docs/language.md (between its marker lines)."""
import re
import sys

text = open(sys.argv[1], encoding="utf-8").read()
match = re.search(r"<!-- BEGIN GENERATED REFERENCE: [^>]*-->\n(.*)<!-- END GENERATED REFERENCE -->",
                  text, re.S)
sys.stdout.write(match.group(1) if match else "reference markers missing in docs/language.md\n")
