"""Kill-and-resume must change nothing: a run killed with SIGKILL mid-training and resumed with
`ftpc run --resume` ends with metrics.json and exported weights bitwise equal to an uninterrupted
run (same machine, same thread count). So must a run whose checkpoint the disk refused, resumed
once there is room. Then a resume on changed data must be refused, naming what changed.

usage: kill_and_resume.py FTPC PROJECT_DIR
"""
import filecmp
import glob
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

ftpc, project = sys.argv[1], sys.argv[2]
os.chdir(project)


def run(*extra, check=True):
    result = subprocess.run([ftpc, "run", "tiny.ftp", "--quiet", *extra], capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.exit(f"ftpc run {' '.join(extra)} failed ({result.returncode}):\n{result.stderr}")
    return result


run("--out", "runs/straight")

# Start the same run, and kill it as soon as its second checkpoint (step 4 of 12) is complete.
victim = subprocess.Popen([ftpc, "run", "tiny.ftp", "--quiet", "--out", "runs/killed"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.time() + 300
while not glob.glob("runs/killed/checkpoints/*/step-00000004/state.json"):
    if victim.poll() is not None:
        sys.exit("the run ended before it could be killed: make it longer")
    if time.time() > deadline:
        victim.kill()
        sys.exit("no checkpoint appeared within 300 s")
    time.sleep(0.02)
victim.send_signal(signal.SIGKILL)
victim.wait()
if os.path.exists("runs/killed/metrics.json"):
    sys.exit("the killed run got to write metrics.json: it was not killed mid-training")
print("killed after", sorted(os.path.basename(p) for p in glob.glob("runs/killed/checkpoints/*/step-*")))



def same_as_straight(run_dir, what):
    for name in ["metrics.json", "model/model.safetensors"]:
        a, b = os.path.join("runs/straight", name), os.path.join(run_dir, name)
        if not filecmp.cmp(a, b, shallow=False):
            sys.exit(f"{name} differs between the uninterrupted and the {what} run")
        print(f"identical{' ' + what if what != 'resumed' else ''}:", name)


run("--resume", "runs/killed")
same_as_straight("runs/killed", "resumed")

# A disk that refuses a checkpoint (a file-size limit here; a full disk fails the same write): the
# run must stop with an error of the environment (exit 1, not an internal error) that names the
# checkpoint, keep its records, leave no half-written checkpoint behind, and say how to go on.
# Resumed without the limit, it ends as the uninterrupted run does.
def limit_file_size():
    limit = 50 * 1000 * 1000  # the checkpoint's tensors are about 360 MB, the records far smaller
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG


full = subprocess.run([ftpc, "run", "tiny.ftp", "--quiet", "--out", "runs/full"], capture_output=True,
                      text=True, preexec_fn=limit_file_size)
print("write refused: exit", full.returncode)
print(full.stderr.strip())
print("half-written checkpoints left:", len(glob.glob("runs/full/checkpoints/*/.tmp-*")))
with open("runs/full/manifest.toml") as manifest:
    print("manifest:", next(line.strip() for line in manifest if line.startswith("status")))
run("--resume", "runs/full")
same_as_straight("runs/full", "after the refused write")
# The rest needs runs/killed's checkpoints only; these runs' 800 MB each go.
shutil.rmtree("runs/full")
shutil.rmtree("runs/straight")

# A checkpoint written for other data must not be continued.
with open("data/reviews.jsonl", "a") as out:
    out.write('{"text": "the cable is fine and superb overall", "label": "pos"}\n')
refused = run("--resume", "runs/killed", check=False)
print("resume on changed data: exit", refused.returncode)
print(refused.stderr.strip())
shutil.rmtree("runs/killed")
shutil.rmtree("out")
