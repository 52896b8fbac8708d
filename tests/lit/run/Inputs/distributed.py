"""Data-parallel `ftpc run` (issue 11) on a project from make_project.py, on loopback:

1. `--nproc 2` ends with metrics.json and exported weights bitwise equal to one process with twice
   the gradient accumulation (the same micro-batches, summed in another order: a + b = b + a), and
   only rank 0 wrote the run directory;
2. the same two ranks started by hand with torchrun's variables (as torchrun or Slurm would);
3. a rank killed with SIGKILL mid-training: the launcher reports it and stops the other rank
   within a bounded time, never hangs; `--resume` then finishes the run, equal to (1);
4. without the launcher, the surviving rank notices the dead peer on its own and exits with an
   error naming the collective, well before its timeout.

usage: distributed.py FTPC PROJECT_DIR
"""
import filecmp
import glob
import os
import signal
import socket
import subprocess
import sys
import time

ftpc, project = sys.argv[1], sys.argv[2]
os.chdir(project)
OUTPUTS = ["metrics.json", "model/model.safetensors"]


def run(*extra, check=True, env=None):
    result = subprocess.run([ftpc, "run", "tiny.ftp", "--quiet", *extra], capture_output=True,
                            text=True, env=env)
    if check and result.returncode != 0:
        sys.exit(f"ftpc run {' '.join(extra)} failed ({result.returncode}):\n{result.stderr}")
    return result


def same(a, b, label):
    for name in OUTPUTS:
        if not filecmp.cmp(os.path.join(a, name), os.path.join(b, name), shallow=False):
            sys.exit(f"{name} differs: {a} vs {b}")
    print(f"identical ({label}):", ", ".join(OUTPUTS))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rank_env(rank, port, timeout=None):
    env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE="2",
               MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    if timeout:
        env["FTPC_DIST_TIMEOUT"] = str(timeout)
    return env


def wait_for_checkpoint(run_dir, step, processes):
    deadline = time.time() + 300
    pattern = f"{run_dir}/checkpoints/*/step-{step:08d}/state.json"
    while not glob.glob(pattern):
        if any(p.poll() is not None for p in processes):
            sys.exit("the run ended before it could be killed: make it longer")
        if time.time() > deadline:
            sys.exit(f"no checkpoint of step {step} within 300 s")
        time.sleep(0.02)


# 1. Two ranks against one process that accumulates over both ranks' micro-batches.
run("--threads", "1", "--set", "finetune.accumulate=2", "--out", "runs/one")
run("--nproc", "2", "--threads", "1", "--out", "runs/two")
same("runs/one", "runs/two", "--nproc 2 vs 1 process, accumulate 2")
manifest = open("runs/two/manifest.toml").read()
print("manifest:", [line for line in manifest.splitlines() if line.startswith("processes")][0])
stray = [p for p in glob.glob("runs/two/**", recursive=True) if "rank" in os.path.basename(p)]
print("files from other ranks:", stray)

# 2. The ranks started by hand, as torchrun does.
port = free_port()
ranks = [subprocess.Popen([ftpc, "run", "tiny.ftp", "--quiet", "--threads", "1", "--out", "runs/byhand"],
                          env=rank_env(r, port), stderr=subprocess.PIPE, text=True) for r in range(2)]
codes = [p.wait(timeout=600) for p in ranks]
if codes != [0, 0]:
    sys.exit(f"ranks started by hand failed: {codes}\n" + "".join(p.stderr.read() for p in ranks))
same("runs/two", "runs/byhand", "torchrun variables vs --nproc")

# 3. Kill rank 1 (a child of the launcher) once the checkpoint of step 4 is complete.
launcher = subprocess.Popen([ftpc, "run", "tiny.ftp", "--quiet", "--nproc", "2", "--threads", "1",
                             "--out", "runs/killed"], stderr=subprocess.PIPE, text=True)
wait_for_checkpoint("runs/killed", 4, [launcher])
children = subprocess.run(["pgrep", "-P", str(launcher.pid)], capture_output=True, text=True).stdout.split()
rank1 = None
for pid in children:
    with open(f"/proc/{pid}/environ", "rb") as f:
        if b"RANK=1" in f.read().split(b"\0"):
            rank1 = int(pid)
if rank1 is None:
    sys.exit(f"no rank 1 among the launcher's children {children}")
killed_at = time.time()
os.kill(rank1, signal.SIGKILL)
try:
    code = launcher.wait(timeout=60)
except subprocess.TimeoutExpired:
    launcher.kill()
    sys.exit("the launcher did not stop within 60 s of a rank's death")
print(f"launcher exit {code} within 60 s: {time.time() - killed_at < 60}")
print("launcher said:", [l for l in launcher.stderr.read().splitlines() if "rank 1 of 2" in l][:1])
if os.path.exists("runs/killed/metrics.json"):
    sys.exit("the killed run got to write metrics.json: it was not killed mid-training")
run("--resume", "runs/killed", "--nproc", "2", "--threads", "1")
same("runs/two", "runs/killed", "killed and resumed vs uninterrupted")

# 4. No launcher: rank 0 alone must notice that rank 1 died, long before its 120 s timeout.
port = free_port()
ranks = [subprocess.Popen([ftpc, "run", "tiny.ftp", "--quiet", "--threads", "1", "--out", "runs/orphan"],
                          env=rank_env(r, port, timeout=120), stderr=subprocess.PIPE, text=True)
         for r in range(2)]
wait_for_checkpoint("runs/orphan", 2, ranks)
ranks[1].kill()
started = time.time()
try:
    code = ranks[0].wait(timeout=110)
except subprocess.TimeoutExpired:
    ranks[0].kill()
    sys.exit("rank 0 hung after its peer died")
print(f"surviving rank exit {code}, noticed within 110 s: {time.time() - started < 110}")
print("surviving rank said:", [l for l in ranks[0].stderr.read().splitlines() if "error" in l][:1])
