#!/usr/bin/env python3
"""MiniLM at batch 32 x 128: ftpc's LibTorch model against transformers on PyTorch, one run.

    python3 bench/model_vs_pytorch.py [--build build] [--fixtures build/fixtures] [--threads 2]
                                      [--repeat 10]

Runs `<build>/bench/bench-model` (Google Benchmark: forward without gradients, and forward +
backward of a cross-entropy loss, all-MiniLM-L6-v2 with mean pooling and a 2-label head), then the
same two passes with transformers' AutoModel (default attention, float32) plus mean pooling and a
Linear head in the golden virtual environment (tests/golden/make_model_goldens.py creates it, with
torch), both with the same number of torch threads. Prints milliseconds per pass (wall clock; the
median of `repeat` passes for PyTorch, Google Benchmark's mean for ftpc) and the ratio
PyTorch / ftpc (> 1: ftpc is faster).
"""
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, "build", "golden-venv")
BATCH, LENGTH = 32, 128


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def pytorch_ms(fixtures, threads, repeat):
    import torch
    from transformers import AutoModel
    torch.set_num_threads(threads)
    encoder = AutoModel.from_pretrained(os.path.join(fixtures, "all-MiniLM-L6-v2"))
    head = torch.nn.Linear(encoder.config.hidden_size, 2)
    torch.manual_seed(0)
    ids = torch.randint(1000, 30000, (BATCH, LENGTH))
    mask = torch.ones(BATCH, LENGTH, dtype=torch.long)
    labels = torch.randint(0, 2, (BATCH,))

    def logits():
        h = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).float()
        return head((h * m).sum(1) / m.sum(1).clamp_min(1e-9))

    def forward():
        with torch.no_grad():
            logits()

    def forward_backward():
        torch.nn.functional.cross_entropy(logits(), labels).backward()
        encoder.zero_grad()
        head.zero_grad()

    results = {}
    for name, mode, step in (("BM_MiniLmForward", False, forward),
                             ("BM_MiniLmForwardBackward", True, forward_backward)):
        encoder.train(mode)
        step()  # warm-up
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        results[name] = sorted(times)[len(times) // 2] * 1e3
    return results, torch.__version__


def main():
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        if not os.path.exists(python):
            sys.exit(f"no {VENV}; run tests/golden/make_model_goldens.py first")
        os.execv(python, [python] + sys.argv)
    build = arg("--build", os.path.join(ROOT, "build"))
    fixtures = arg("--fixtures", os.path.join(ROOT, "build", "fixtures"))
    threads = int(arg("--threads", "2"))
    repeat = int(arg("--repeat", "10"))

    env = dict(os.environ, FTPC_BENCH_THREADS=str(threads))
    out = subprocess.run([os.path.join(build, "bench", "bench-model"), "--benchmark_format=json"],
                         env=env, check=True, capture_output=True, text=True).stdout
    ours = {b["name"].split("/")[0]: b["real_time"] for b in json.loads(out)["benchmarks"]}
    theirs, version = pytorch_ms(fixtures, threads, repeat)
    print(f"all-MiniLM-L6-v2, batch {BATCH} x {LENGTH}, {threads} torch threads; "
          f"PyTorch {version} + transformers, median of {repeat}")
    print(f"{'pass':24} {'ftpc ms':>10} {'PyTorch ms':>11} {'PyTorch/ftpc':>13}")
    for name, label in (("BM_MiniLmForward", "forward (no grad)"),
                        ("BM_MiniLmForwardBackward", "forward + backward")):
        print(f"{label:24} {ours[name]:10.1f} {theirs[name]:11.1f} {theirs[name] / ours[name]:13.2f}")


if __name__ == "__main__":
    main()
