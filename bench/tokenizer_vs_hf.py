#!/usr/bin/env python3
"""Tokenizer throughput: ftpc's runtime against HuggingFace `tokenizers`, side by side in one run.

    python3 bench/tokenizer_vs_hf.py [--build build] [--fixtures build/fixtures] [--repeat 5]

Takes the first 2 MB of the SpamAssassin mails (files in sorted order, decoded as UTF-8 with
replacement so that both sides see the same valid text), writes them as a JSON list to a temporary
file, runs `<build>/bench/bench-tokenizer` on it (FTPC_TOKENIZER_BENCH_TEXT), then times HF
`tokenizers` encoding the same mails one encode() call at a time (no batch, one thread) in the
golden virtual environment (tests/golden/make_tokenizer_goldens.py creates it). Prints MB/s
(10^6 input bytes per second) of both and the ratio, for WordPiece (all-MiniLM-L6-v2) and
byte-level BPE (tests/unit/runtime/data/gpt2-tiny). Both sides are timed in CPU seconds of the
process (Google Benchmark's default for rates; time.process_time() here), so a busy machine skews
the ratio less than wall-clock time would.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "build", "golden-venv")
TEXT_BYTES = 2_000_000


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def load_mails(fixtures):
    root = os.path.join(fixtures, "spam-assassin")
    files = sorted(os.path.join(root, g, f) for g in os.listdir(root)
                   if os.path.isdir(os.path.join(root, g)) for f in os.listdir(os.path.join(root, g)))
    mails, total = [], 0
    for path in files:
        if total >= TEXT_BYTES:
            break
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        raw = text.encode("utf-8")
        if total + len(raw) > TEXT_BYTES:
            text = raw[:TEXT_BYTES - total].decode("utf-8", errors="ignore")
            raw = text.encode("utf-8")
        total += len(raw)
        mails.append(text)
    return mails, total


def hf_rate(tokenizer_json, mails, nbytes, repeat):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(tokenizer_json)
    tok.no_truncation()
    tok.no_padding()
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for m in mails:
            tok.encode(m)
        best = min(best, time.process_time() - start)
    return nbytes / best / 1e6


def main():
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        if not os.path.exists(python):
            sys.exit(f"no {VENV}; run tests/golden/make_tokenizer_goldens.py first")
        os.execv(python, [python] + sys.argv)
    # One thread for HF: no rayon pool (encode() of one input does not use it anyway).
    os.environ["RAYON_NUM_THREADS"] = "1"
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    import tokenizers

    build = arg("--build", os.path.join(ROOT, "build"))
    fixtures = arg("--fixtures", os.path.join(ROOT, "build", "fixtures"))
    repeat = int(arg("--repeat", "5"))
    mails, nbytes = load_mails(fixtures)

    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8", delete=False) as f:
        json.dump(mails, f, ensure_ascii=False)
        text_file = f.name
    try:
        env = dict(os.environ, FTPC_TOKENIZER_BENCH_TEXT=text_file)
        out = subprocess.run([os.path.join(build, "bench", "bench-tokenizer"), "--benchmark_format=json"],
                             env=env, check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(text_file)
    ours = {b["name"].split("/")[0]: b["MB/s"] for b in json.loads(out)["benchmarks"]}

    cases = [("WordPiece (all-MiniLM-L6-v2)", "BM_WordPieceMail",
              os.path.join(fixtures, "all-MiniLM-L6-v2", "tokenizer.json")),
             ("byte-level BPE (gpt2-tiny)", "BM_ByteLevelBpeMail",
              os.path.join(ROOT, "tests", "unit", "runtime", "data", "gpt2-tiny", "tokenizer.json"))]
    print(f"{len(mails)} mails, {nbytes / 1e6:.2f} MB, one encode() per mail, one thread; "
          f"HF tokenizers {tokenizers.__version__}, best of {repeat}, CPU time")
    print(f"{'tokenizer':32} {'ftpc MB/s':>10} {'HF MB/s':>10} {'ftpc/HF':>8}")
    for label, bench, tokenizer_json in cases:
        hf = hf_rate(tokenizer_json, mails, nbytes, repeat)
        print(f"{label:32} {ours[bench]:10.1f} {hf:10.1f} {ours[bench] / hf:8.2f}")


if __name__ == "__main__":
    main()
