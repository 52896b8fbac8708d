"""Data parallelism on this machine (issue 11): one process with every core against N processes with
the cores divided among them, on the spam example's model and data, the same global batch (and,
to read the two apart, one process on one core).

Each configuration runs the pipeline below twice, with S and with 1 training steps; the difference
divided by S - 1 is the time of a training step without the start-up (data loading, tokenization,
the JIT), which both runs share. Peak memory is the largest sum of the resident set sizes of the
processes of the job (the launcher and its ranks), sampled every 50 ms from /proc.

usage: python3 bench/dist_scaling.py [--ftpc build/tools/ftpc/ftpc] [--steps 13] [--nproc 2]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--ftpc", default=os.path.join(ROOT, "build/tools/ftpc/ftpc"))
parser.add_argument("--steps", type=int, default=13)
parser.add_argument("--nproc", type=int, default=2)
parser.add_argument("--batch", type=int, default=16)
args = parser.parse_args()
cores = os.cpu_count() or 1

work = tempfile.mkdtemp(prefix="ftpc-dist-scaling-")
fixtures = os.path.join(ROOT, "build/fixtures")
with open(os.path.join(work, "ftp.toml"), "w") as out:
    out.write(f'[paths]\ndata_root = "{fixtures}"\nmodel_root = "{fixtures}"\noutput_root = "runs"\n')


def pipeline(steps):
    path = os.path.join(work, f"scaling{steps}.ftp")
    with open(path, "w") as out:
        out.write(f"""ftp 0.1
pipeline scaling {{
  seed 1234
  data mail = textfolder("spam-assassin", labels: {{"*ham*": ham, "spam*": spam}})
    | email_text(subject: true, body: true)
    | deidentify(email, phone, ip, url, mode: mask)
    | sample(n: 2000, stratify: label)
    | split(train: 0.7, val: 0.1, test: 0.2, stratify: label)
  model clf = encoder("all-MiniLM-L6-v2") | classifier(labels: [ham, spam])
  finetune clf on mail.train {{
    steps {steps}
    batch {args.batch}
    max_len 128
    optimizer adamw(lr: 1e-4, weight_decay: 0.01)
  }}
}}
""")
    return path


def tree_rss_kib(root_pid):
    """Resident set size of a process and all its descendants, KiB."""
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                stack.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return total


def timed_run(steps, extra, env):
    cmd = [args.ftpc, "run", pipeline(steps), "--quiet", "--out", os.path.join(work, f"run-{steps}-{len(extra)}-{len(env)}"), *extra]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=work, stderr=subprocess.PIPE, text=True, env=dict(os.environ, **env))
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss_kib(proc.pid))
        time.sleep(0.05)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr.read()}")
    return seconds, peak


per_rank = str(max(1, cores // args.nproc))
configs = [("1 process", ["--threads", str(cores)], {}),
           ("1 process, 1 thread", ["--threads", "1"], {}),
           (f"{args.nproc} processes", ["--nproc", str(args.nproc), "--threads", per_rank], {}),
           (f"{args.nproc} processes, all-reduce after backward",
            ["--nproc", str(args.nproc), "--threads", per_rank], {"FTPC_DIST_OVERLAP": "0"})]
rows = []
for label, extra, env in configs:
    short, _ = timed_run(1, extra, env)
    full, peak = timed_run(args.steps, extra, env)
    step = (full - short) / (args.steps - 1)
    rows.append((label, extra, step, peak, short))
    print(f"{label}: {full:.1f} s for {args.steps} steps, {short:.1f} s for 1 step", file=sys.stderr)

base_step = rows[0][2]
print(f"{cores} cores; MiniLM, global batch {args.batch} x <= 128 tokens, AdamW, {args.steps} vs 1 steps\n")
print("| configuration | threads per process | step s | examples/s | × 1 process | peak memory GiB | start-up s |")
print("|---|---|---|---|---|---|---|")
for label, extra, step, peak, short in rows:
    threads = extra[extra.index("--threads") + 1]
    print(f"| {label} | {threads} | {step:.3f} | {args.batch / step:.2f} | {base_step / step:.2f} | "
          f"{peak / 2**20:.2f} | {short:.1f} |")
