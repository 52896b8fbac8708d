"""Kill-and-resume must change nothing: a run killed with SIGKILL mid-training and resumed with
`ftpc run --resume` ends with metrics.json and exported weights bitwise equal to an uninterrupted
run (same machine, same thread count). Then a resume on changed data must be refused, naming what
changed.

usage: kill_and_resume.py FTPC PROJECT_DIR
"""
import filecmp
import glob
import os
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

run("--resume", "runs/killed")
for name in ["metrics.json", "model/model.safetensors"]:
    a, b = os.path.join("runs/straight", name), os.path.join("runs/killed", name)
    if not filecmp.cmp(a, b, shallow=False):
        sys.exit(f"{name} differs between the uninterrupted and the resumed run")
    print("identical:", name)

# A checkpoint written for other data must not be continued.
with open("data/reviews.jsonl", "a") as out:
    out.write('{"text": "the cable is fine and superb overall", "label": "pos"}\n')
refused = run("--resume", "runs/killed", check=False)
print("resume on changed data: exit", refused.returncode)
print(refused.stderr.strip())
