#!/usr/bin/env python3
"""Regenerates the tokenizer goldens under tests/unit/runtime/data/ with HuggingFace `tokenizers`.

    python3 tests/golden/make_tokenizer_goldens.py [--fixtures build/fixtures]

Creates (once) the virtual environment build/golden-venv with pinned `tokenizers` and `transformers`
from PyPI and re-runs itself there. Inputs: tokenizer_corpus.txt (one case per line; `\\u{XXXX}`
stands for the code point XXXX, so control characters stay visible in the committed file), the
all-MiniLM-L6-v2 tokenizer.json fixture and, to train the small GPT-2-style vocabulary, the corpus
plus the SpamAssassin fixture's first mails. Outputs (committed, so CI needs no Python packages):
  wordpiece_goldens.json     MiniLM ids for every line, pairs, truncated and padded cases
  gpt2-tiny/{vocab.json,merges.txt,tokenizer.json}   a byte-level BPE trained here
  bpe_goldens.json           its ids for every line, pairs, truncated and padded cases
Offsets in the goldens are byte offsets into the UTF-8 text (Python gives character offsets).
"""
import json
import os
import re
import subprocess
import sys

TOKENIZERS_PIN = "0.22.1"
TRANSFORMERS_PIN = "4.57.1"

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "unit", "runtime", "data")
VENV = os.path.join(ROOT, "build", "golden-venv")


def ensure_venv():
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    subprocess.check_call([python, "-m", "pip", "install", "-q",
                           f"tokenizers=={TOKENIZERS_PIN}", f"transformers=={TRANSFORMERS_PIN}"])
    os.execv(python, [python] + sys.argv)


def read_corpus():
    with open(os.path.join(DATA, "tokenizer_corpus.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [re.sub(r"\\u\{([0-9A-Fa-f]+)\}", lambda m: chr(int(m.group(1), 16)), l) for l in lines]


def byte_offsets(text, offsets):
    """Character offsets -> UTF-8 byte offsets."""
    starts = [0]
    for ch in text:
        starts.append(starts[-1] + len(ch.encode("utf-8")))
    return [[starts[b], starts[e]] for b, e in offsets]


def mails(fixtures, limit_bytes):
    root = os.path.join(fixtures, "spam-assassin")
    out, total = [], 0
    for group in sorted(os.listdir(root)):
        folder = os.path.join(root, group)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as f:
                text = f.read().decode("utf-8", errors="replace")
            out.append(text)
            total += len(text)
            if total >= limit_bytes:
                return out
    return out


def write_goldens(name, goldens):
    """JSON with one case per line, so that a regenerated golden diffs line by line."""
    def dump(value):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    parts = []
    for key, value in goldens.items():
        if isinstance(value, list):
            parts.append(f"{dump(key)}:[\n" + ",\n".join(dump(v) for v in value) + "\n]")
        else:
            parts.append(f"{dump(key)}:{dump(value)}")
    with open(os.path.join(DATA, name), "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(parts) + "\n}\n")


def encode_all(tok, lines, with_offsets=True):
    cases = []
    for text in lines:
        e = tok.encode(text)
        case = {"text": text, "ids": e.ids}
        if with_offsets:
            case["offsets"] = byte_offsets(text, e.offsets)
        cases.append(case)
    return cases


def pairs_and_truncation(tok, lines, lengths):
    pairs, truncated = [], []
    for i in range(0, len(lines) - 1, 3):
        a, b = lines[i], lines[i + 1]
        tok.no_truncation()
        tok.no_padding()
        e = tok.encode(a, b)
        pairs.append({"a": a, "b": b, "max_length": 0, "ids": e.ids, "type_ids": e.type_ids})
        n = lengths[i % len(lengths)]
        tok.enable_truncation(n)
        pad = "[PAD]" if tok.token_to_id("[PAD]") is not None else "<|endoftext|>"
        tok.enable_padding(length=n, pad_id=tok.token_to_id(pad), pad_token=pad)
        e = tok.encode(a, b)
        pairs.append({"a": a, "b": b, "max_length": n, "ids": e.ids, "type_ids": e.type_ids,
                      "attention_mask": e.attention_mask})
        e = tok.encode(a)
        truncated.append({"text": a, "max_length": n, "ids": e.ids, "type_ids": e.type_ids,
                          "attention_mask": e.attention_mask})
    tok.no_truncation()
    tok.no_padding()
    return pairs, truncated


def main():
    ensure_venv()
    import tokenizers
    import transformers
    from tokenizers import Tokenizer, ByteLevelBPETokenizer

    fixtures = os.path.join(ROOT, "build", "fixtures")
    if "--fixtures" in sys.argv:
        fixtures = sys.argv[sys.argv.index("--fixtures") + 1]
    lines = read_corpus()
    versions = {"tokenizers": tokenizers.__version__, "transformers": transformers.__version__}

    # --- BERT WordPiece (all-MiniLM-L6-v2) ---
    minilm = os.path.join(fixtures, "all-MiniLM-L6-v2")
    wp = Tokenizer.from_file(os.path.join(minilm, "tokenizer.json"))
    wp.no_truncation()
    wp.no_padding()
    singles = encode_all(wp, lines)
    pairs, truncated = pairs_and_truncation(wp, lines, [8, 12, 16, 24, 32, 64])
    write_goldens("wordpiece_goldens.json", {
        "generator": "tests/golden/make_tokenizer_goldens.py", "versions": versions,
        "tokenizer": "all-MiniLM-L6-v2/tokenizer.json", "singles": singles, "pairs": pairs,
        "truncated": truncated})
    # Cross-check: transformers' pure-Python BertTokenizer on vocab.txt.
    slow = transformers.BertTokenizer(os.path.join(minilm, "vocab.txt"), do_lower_case=True)
    differ = [c["text"] for c in singles if slow(c["text"])["input_ids"] != c["ids"]]
    print(f"wordpiece: {len(singles)} lines, {len(pairs)} pairs, {len(truncated)} truncated; "
          f"transformers.BertTokenizer differs from tokenizers on {len(differ)} lines")
    for text in differ:
        print("  differs:", repr(text)[:100])

    # --- GPT-2 byte-level BPE, trained here on the corpus and the first mails ---
    out = os.path.join(DATA, "gpt2-tiny")
    os.makedirs(out, exist_ok=True)
    bpe = ByteLevelBPETokenizer(add_prefix_space=False)
    bpe.train_from_iterator(lines * 3 + mails(fixtures, 400_000), vocab_size=2000, min_frequency=2,
                            special_tokens=["<|endoftext|>"], show_progress=False)
    bpe.save_model(out)
    bpe.save(os.path.join(out, "tokenizer.json"))
    bt = Tokenizer.from_file(os.path.join(out, "tokenizer.json"))
    bpe_singles = encode_all(bt, lines)
    bpe_pairs, bpe_truncated = pairs_and_truncation(bt, lines, [4, 8, 16, 32, 64])
    write_goldens("bpe_goldens.json", {
        "generator": "tests/golden/make_tokenizer_goldens.py", "versions": versions,
        "tokenizer": "gpt2-tiny/tokenizer.json", "singles": bpe_singles, "pairs": bpe_pairs,
        "truncated": bpe_truncated})
    slow = transformers.GPT2Tokenizer(os.path.join(out, "vocab.json"), os.path.join(out, "merges.txt"))
    differ = [c["text"] for c in bpe_singles if slow(c["text"])["input_ids"] != c["ids"]]
    print(f"bpe: vocab {bt.get_vocab_size()}, {len(bpe_singles)} lines, {len(bpe_pairs)} pairs; "
          f"transformers.GPT2Tokenizer differs from tokenizers on {len(differ)} lines")
    for text in differ:
        print("  differs:", repr(text)[:100])


if __name__ == "__main__":
    main()
