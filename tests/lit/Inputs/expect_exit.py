"""Runs a command and fails unless it exits with the given code: `%expect_exit 3 ftpc deid ...`.

lit's `not` only tells zero from non-zero; ftpc's exit codes (0 ok, 1 user error, 2 internal error,
3 not implemented) are part of its interface, so tests check them exactly. Output passes through.
"""
import subprocess
import sys

expected = int(sys.argv[1])
result = subprocess.run(sys.argv[2:])
if result.returncode != expected:
    print(f"expect_exit: `{' '.join(sys.argv[2:])}` exited {result.returncode}, expected {expected}",
          file=sys.stderr)
    sys.exit(1)
