"""DP-SGD's noise under data parallelism (issue 11) is added once per global step, at the scale the
accountant assumed: sigma * C / B on the averaged gradient, whatever the number of ranks.

One private step with plain SGD (lr 1, no momentum, no weight decay): each weight moves by
-(sum of clipped gradients + sigma C z) / B with z ~ N(0, 1). The clipped gradients have a norm of
at most B C spread over 22.7M weights, the noise sigma C per weight: next to it they are about
B / sqrt(22.7M) < 0.002 standard deviations. (C is not tiny: the update must stay far above the
float32 spacing of the weights, or z_hat comes out visibly quantized.) So
    z_hat = (w_before - w_after) * B / (sigma C)
must be standard normal. Noise added by each of N ranks would give a variance of N; noise lost
would give about 0. The test checks the variance (200,000 weights of the query matrices), the mean
and a Kolmogorov-Smirnov test against N(0, 1), for 2 ranks and for 1 process, and that both moved
the weights identically.

usage: dist_noise.py FTPC PROJECT_DIR FIXTURE_MODEL_DIR
"""
import array
import json
import math
import os
import struct
import subprocess
import sys

ftpc, project, fixture = sys.argv[1], sys.argv[2], sys.argv[3]
os.chdir(project)
SIGMA, CLIP, BATCH = 1.0, 0.01, 8

with open("noise.ftp", "w") as out:
    out.write(f"""ftp 0.1

pipeline noise {{
  seed 5
  data reviews = jsonl("reviews.jsonl", text: "text", label: "label", labels: [neg, pos])
    | deidentify(email, phone, mode: mask)
    | split(train: 0.5, val: 0.25, test: 0.25)
  model clf = encoder("all-MiniLM-L6-v2") | classifier(labels: [neg, pos])
  finetune clf on reviews.train {{
    steps 1
    batch {BATCH}
    max_len 16
    optimizer sgd(lr: 1.0)
    privacy dp_sgd(noise_multiplier: {SIGMA}, delta: 1e-3, clip: {CLIP})
  }}
  export clf to "out/noise-model"
}}
""")


def tensors(path, names):
    """The named float32 tensors of a safetensors file, as arrays."""
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        base = 8 + size
        out = {}
        for name in names:
            begin, end = header[name]["data_offsets"]
            f.seek(base + begin)
            values = array.array("f")
            values.frombytes(f.read(end - begin))
            out[name] = values
        return out


LAYERS = [f"encoder.layer.{i}.attention.self.query.weight" for i in range(6)]
before = tensors(os.path.join(fixture, "model.safetensors"), LAYERS)


def standardized(run_dir):
    after = tensors(os.path.join(run_dir, "model", "model.safetensors"), ["bert." + n for n in LAYERS])
    z = []
    for name in LAYERS:
        w0, w1 = before[name], after["bert." + name]
        z.extend((a - b) * BATCH / (SIGMA * CLIP) for a, b in zip(w0[:33334], w1[:33334]))
    return z


def normal_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def report(label, z):
    n = len(z)
    mean = sum(z) / n
    var = sum((v - mean) ** 2 for v in z) / (n - 1)
    d = max(max(abs((i + 1) / n - normal_cdf(v)), abs(i / n - normal_cdf(v))) for i, v in enumerate(sorted(z)))
    critical = 1.63 / math.sqrt(n)  # Kolmogorov-Smirnov at alpha = 0.01
    # Variance of a sample variance of n normals: 2 / (n - 1); six standard errors.
    print(f"{label}: n={n} variance in [0.98, 1.02]: {abs(var - 1) < 6 * math.sqrt(2 / (n - 1))} "
          f"|mean| small: {abs(mean) < 6 / math.sqrt(n)} KS passes: {d < critical}")
    print(f"  ({label}: variance {var:.4f}, mean {mean:.5f}, KS D {d:.5f} < {critical:.5f})", file=sys.stderr)


runs = {}
for label, extra in [("2 ranks", ["--nproc", "2", "--threads", "1"]), ("1 process", ["--threads", "1"])]:
    run_dir = "runs/noise-" + label.split()[0]
    result = subprocess.run([ftpc, "run", "noise.ftp", "--quiet", "--out", run_dir, *extra],
                            capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"ftpc run noise.ftp {' '.join(extra)} failed:\n{result.stderr}")
    runs[label] = standardized(run_dir)
    report(label, runs[label])
worst = max(abs(a - b) for a, b in zip(runs["2 ranks"], runs["1 process"]))
print(f"same update from 2 ranks and 1 process: {worst < 1e-3}")
