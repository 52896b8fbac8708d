#!/usr/bin/env python3
"""Analytic cost model of data-parallel fine-tuning: ring all-reduce of the gradient vs compute.

Prints the markdown tables of docs/distributed.md ("Scaling model"). Nothing here is measured
except the one CPU step time taken from docs/benchmarks.md; every other number is derived from
the arguments below, so the doc can be regenerated with different assumptions.
"""
import argparse
import math

MIB = 1024 * 1024

# Interconnects: name, bytes/s per worker per direction (nominal line rate), per-message latency
# alpha in seconds, usable by CPU workers. Latencies are typical values, not measurements: TCP
# socket transports pay the kernel stack on every message (tens of µs whatever the link speed),
# RDMA over InfiniBand a few µs, NVLink inside one NVLink domain a few µs.
LINKS = [
    ("10 GbE", 10e9 / 8, 50e-6, True),
    ("25 GbE", 25e9 / 8, 40e-6, True),
    ("100 GbE", 100e9 / 8, 30e-6, True),
    ("IB HDR 200 Gb/s", 200e9 / 8, 5e-6, True),
    ("NVLink 4", 450e9, 3e-6, False),
]


def bert_params(hidden, layers, intermediate, vocab=30522, max_pos=512, type_vocab=2):
    """Parameter counts of a HF BertModel (embeddings, encoder layers, pooler)."""
    layer_norm = 2 * hidden  # weight + bias
    embeddings = (vocab + max_pos + type_vocab) * hidden + layer_norm
    attention = 4 * (hidden * hidden + hidden) + layer_norm  # Q, K, V, output dense + LN
    ffn = (hidden * intermediate + intermediate) + (intermediate * hidden + hidden) + layer_norm
    return {"embeddings": embeddings, "layers": layers * (attention + ffn),
            "pooler": hidden * hidden + hidden}


def make_models(args):
    models = []
    for name, hidden, layers, inter in [("all-MiniLM-L6-v2", 384, 6, 1536),
                                        ("BERT-base-uncased", 768, 12, 3072)]:
        p = bert_params(hidden, layers, inter)
        head = hidden * args.labels + args.labels
        # LoRA on query and value: A (r x hidden) and B (hidden x r) per adapted matrix, no bias.
        lora = layers * 2 * args.lora_rank * (hidden + hidden)
        # Forward FLOPs per token = 2 x (weights in the layers) + attention scores and
        # weighted sum (2 matmuls of 2*seq*hidden each per layer); backward = 2 x forward.
        fwd_flops_per_token = 2 * p["layers"] + 4 * layers * args.seq * hidden
        models.append(dict(name=name, params=p, head=head, lora=lora, total=sum(p.values()),
                           fwd_flops=fwd_flops_per_token))
    return models


def ring_allreduce_s(nbytes, workers, bandwidth, alpha, buckets=1):
    """Ring all-reduce: 2(W-1) steps each moving nbytes/W, plus alpha per step per bucket."""
    if workers <= 1:
        return 0.0
    return 2 * (workers - 1) / workers * nbytes / bandwidth + buckets * 2 * (workers - 1) * alpha


def case_costs(case, workers, link, args):
    """Seconds: (one all-reduce of the whole gradient, exposed time when bucketed and overlapped
    with backward, the bucketed all-reduce's total)."""
    _, bandwidth, alpha, _ = link
    grad, tail = case["grad_bytes"], case["tail_bytes"]
    plain = ring_allreduce_s(grad, workers, bandwidth, alpha)
    buckets = max(1, math.ceil(grad / (args.bucket_mib * MIB)))
    bucketed = ring_allreduce_s(grad, workers, bandwidth, alpha, buckets)
    # Best case: buckets go out while backward continues, so at most the backward time is hidden;
    # the gradient produced last (the embeddings, or the only bucket) can never be hidden.
    backward = case["backward_fraction"] * case["compute_s"]
    exposed = max(bucketed - backward, ring_allreduce_s(tail, workers, bandwidth, alpha))
    return plain, exposed, bucketed


def efficiency(compute, exposed):
    return compute / (compute + exposed)


def batch_for_half_efficiency(case, workers, link, args):
    """Per-worker batch at which efficiency = 50%, compute taken as linear in the batch."""
    per_example = case["compute_s"] / case["batch"]
    plain, _, bucketed = case_costs(case, workers, link, args)
    tail = ring_allreduce_s(case["tail_bytes"], workers, link[1], link[2])
    # exposed = compute: without overlap compute = plain; with overlap compute*(1+f) = bucketed
    # unless the unhideable tail alone already equals the compute.
    overlapped = max(bucketed / (1 + case["backward_fraction"]), tail)
    return plain / per_example, overlapped / per_example


def scaling_limits(case, link, args, cap=65536):
    """Weak scaling (fixed per-worker batch, overlap model), W over powers of two: the first W
    whose throughput W x efficiency beats one worker, and the first W >= 2 after which doubling
    adds less than 10%. In the ring model efficiency barely falls with W once the bandwidth term
    saturates at 2S/B, so only the latency term 2(W-1)alpha ends the scaling."""
    def throughput(w):
        return w * efficiency(case["compute_s"], case_costs(case, w, link, args)[1]) if w > 1 else 1.0
    beats_one = saturates = None
    w = 2
    while w <= cap and (beats_one is None or saturates is None):
        if beats_one is None and throughput(w) > 1.0:
            beats_one = str(w)
        if saturates is None and throughput(2 * w) < 1.1 * throughput(w):
            saturates = str(w)
        w *= 2
    return beats_one or f"> {cap}", saturates or f"> {cap}"


def fmt_ms(seconds):
    ms = seconds * 1e3
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 10 else f"{ms:.2f}" if ms >= 0.1 else f"{ms:.3f}"


def fmt_eff(e):
    return f"{e:.0%}" if e >= 0.1 else f"{e:.1%}"


def fmt_speedup(x):
    return f"{x:.1f}" if x >= 1 else f"{x:.2f}"


def fmt_batch(b):
    return f"{b:,.0f}" if b >= 10 else f"{b:.1f}" if b >= 0.1 else "< 0.1"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seq", type=int, default=128, help="tokens per example")
    ap.add_argument("--labels", type=int, default=2, help="classifier labels")
    ap.add_argument("--lora-rank", type=int, default=8)
    ap.add_argument("--bucket-mib", type=float, default=25, help="gradient bucket (PyTorch DDP default)")
    ap.add_argument("--cpu-step-s", type=float, default=2.208,
                    help="measured MiniLM full-FT forward+backward, docs/benchmarks.md (plain row)")
    ap.add_argument("--cpu-batch", type=int, default=16)
    ap.add_argument("--gpu-peak-tflops", type=float, default=989, help="H100/H200 bf16 dense")
    ap.add_argument("--gpu-utilisation", type=float, default=0.4, help="achieved fraction of peak")
    ap.add_argument("--gpu-batch", type=int, default=32)
    args = ap.parse_args()

    models = make_models(args)
    print("| model | embeddings | encoder layers | pooler | total | head | LoRA (q, v) "
          "| full-FT gradient MB | LoRA gradient MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m in models:
        p = m["params"]
        print(f"| {m['name']} | {p['embeddings']:,} | {p['layers']:,} | {p['pooler']:,} | {m['total']:,} "
              f"| {m['head']:,} | {m['lora']:,} | {(m['total'] + m['head']) * 4 / 1e6:.1f} "
              f"| {(m['lora'] + m['head']) * 4 / 1e6:.3f} |")

    # CPU: achieved FLOP/s from the one measured step, applied to every other configuration.
    minilm = models[0]
    cpu_flops = 3 * minilm["fwd_flops"] * args.cpu_batch * args.seq / args.cpu_step_s
    gpu_flops = args.gpu_peak_tflops * 1e12 * args.gpu_utilisation
    print(f"\nCPU throughput implied by the measured step: {cpu_flops / 1e9:.1f} GFLOP/s; "
          f"GPU throughput assumed: {gpu_flops / 1e12:.0f} TFLOP/s.\n")

    cases = []
    for device, flops, batch in [("CPU", cpu_flops, args.cpu_batch), ("GPU", gpu_flops, args.gpu_batch)]:
        for m in models:
            for training in ("full", "LoRA"):
                # LoRA's backward computes activation gradients but no gradients of frozen
                # weights: about one forward instead of two.
                passes, backward_fraction = (3, 2 / 3) if training == "full" else (2, 1 / 2)
                compute_s = passes * m["fwd_flops"] * batch * args.seq / flops
                trainable = (m["total"] if training == "full" else m["lora"]) + m["head"]
                # Full FT: the embedding gradient is the last one backward produces. LoRA: the
                # whole gradient fits one bucket, which is ready only at the end.
                tail = m["params"]["embeddings"] * 4 if training == "full" else trainable * 4
                source = ("measured" if device == "CPU" and m is minilm and training == "full"
                          else "scaled by FLOPs" if device == "CPU" else "FLOP estimate")
                cases.append(dict(device=device, model=m["name"], training=training, batch=batch,
                                  compute_s=compute_s, grad_bytes=trainable * 4, tail_bytes=tail,
                                  backward_fraction=backward_fraction, source=source))

    print("| device | model | training | batch / worker | compute ms | source |")
    print("|---|---|---|---|---|---|")
    for c in cases:
        print(f"| {c['device']} | {c['model']} | {c['training']} | {c['batch']} × {args.seq} "
              f"| {fmt_ms(c['compute_s'])} | {c['source']} |")

    for device in ("CPU", "GPU"):
        print(f"\n{device} workers, per-worker batch as above.\n")
        print("| model | training | link | W | all-reduce ms | exposed ms, overlapped | compute ms "
              "| efficiency | efficiency, overlapped | speedup | speedup, overlapped |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for c in (c for c in cases if c["device"] == device):
            for link in LINKS:
                if device == "CPU" and not link[3]:
                    continue
                for w in (8, 64):
                    plain, exposed, _ = case_costs(c, w, link, args)
                    e0, e1 = efficiency(c["compute_s"], plain), efficiency(c["compute_s"], exposed)
                    print(f"| {c['model']} | {c['training']} | {link[0]} | {w} | {fmt_ms(plain)} "
                          f"| {fmt_ms(exposed)} | {fmt_ms(c['compute_s'])} | {fmt_eff(e0)} | {fmt_eff(e1)} "
                          f"| {fmt_speedup(w * e0)} | {fmt_speedup(w * e1)} |")

    print(f"\nWhere it stops paying: per-worker batch (examples of {args.seq} tokens) for 50% "
          "efficiency; at the batch above, the first W that beats one worker and the W after "
          "which doubling adds < 10% (overlapped, powers of two).\n")
    print("| device | model | training | link | batch for 50%, W=8 | overlapped | batch for 50%, W=64 "
          "| overlapped | W to beat one worker | W where doubling stops paying |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for c in cases:
        for link in LINKS:
            if c["device"] == "CPU" and not link[3]:
                continue
            b8, b8o = batch_for_half_efficiency(c, 8, link, args)
            b64, b64o = batch_for_half_efficiency(c, 64, link, args)
            print(f"| {c['device']} | {c['model']} | {c['training']} | {link[0]} | {fmt_batch(b8)} "
                  f"| {fmt_batch(b8o)} | {fmt_batch(b64)} | {fmt_batch(b64o)} "
                  "| {} | {} |".format(*scaling_limits(c, link, args)))


if __name__ == "__main__":
    main()
