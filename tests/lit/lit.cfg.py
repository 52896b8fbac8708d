# lit configuration for ftpc: .ftp pipelines and .mlir files, checked with FileCheck.
import os
import re

import lit.formats

config.name = "ftpc"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".ftp", ".mlir", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.ftpc_obj_root, "tests", "lit")

# Tools by bare name, matched as whole words the way LLVM's ToolSubst does, so `ftpc` in a file
# name such as `ftpc-input.ftp` is left alone.
tools = {
    "ftpc": os.path.join(config.ftpc_tools_dir, "ftpc", "ftpc"),
    "ftp-opt": os.path.join(config.ftpc_tools_dir, "ftp-opt", "ftp-opt"),
    "ftp-gpu-bundle": os.path.join(config.ftpc_tools_dir, "ftp-gpu-bundle", "ftp-gpu-bundle"),
    "FileCheck": os.path.join(config.llvm_tools_dir, "FileCheck"),
    "not": os.path.join(config.llvm_tools_dir, "not"),
    "split-file": os.path.join(config.llvm_tools_dir, "split-file"),
}
for name, path in tools.items():
    config.substitutions.append(
        (r"(?<![\w/.%-])" + re.escape(name) + r"(?![\w.-])", path.replace("\\", "\\\\")))

config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(
    ("%expect_exit", config.python_executable + " " +
     os.path.join(config.test_source_root, "Inputs", "expect_exit.py")))
config.substitutions.append(("%src_root", config.ftpc_src_root))
config.substitutions.append(("%cxx", config.cxx))  # the compiler that built ftpc
config.substitutions.append(("%fixtures", config.fixtures_dir))

# Keep tests hermetic: no colors, no user configuration leaking in.
config.environment["NO_COLOR"] = "1"
for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

# Features that gate tests needing optional tools or prepared fixtures.
if config.ptxas and os.path.exists(config.ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas))
if os.path.exists(tools["ftp-gpu-bundle"]):  # built with the GPU code path
    config.available_features.add("gpu-bundle")
for fixture, marker in {
    "spam-assassin": "spam-assassin/.ready",
    "minilm": "all-MiniLM-L6-v2/.ready",
    "first-names": "first-names/.ready",
}.items():
    if os.path.exists(os.path.join(config.fixtures_dir, marker)):
        config.available_features.add("fixture-" + fixture)

# Network namespaces (root and iproute2): the two-host data-parallel test joins two of them.
def _netns_available():
    import shutil
    import subprocess
    if os.geteuid() != 0 or not shutil.which("ip"):
        return False
    # What the test does, on a small scale: a namespace with one end of a veth pair in it (a
    # container may allow namespaces but not veth devices).
    name = "ftpc-lit-probe-%d" % os.getpid()
    link = "ftpcp%d" % (os.getpid() % 100000)
    run = lambda *args: subprocess.run(list(args), capture_output=True).returncode == 0
    if not run("ip", "netns", "add", name):
        return False
    ok = run("ip", "link", "add", link, "netns", name, "type", "veth", "peer", "name", link + "b")
    run("ip", "-n", name, "link", "del", link)
    run("ip", "netns", "del", name)
    return ok


if _netns_available():
    config.available_features.add("netns")


# A small tmpfs in a private mount namespace (root and util-linux's unshare): a disk that fills up.
def _tmpfs_available():
    import shutil
    import subprocess
    import tempfile
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    with tempfile.TemporaryDirectory() as folder:
        probe = ["unshare", "-m", "sh", "-c", 'mount -t tmpfs -o size=1m tmpfs "$0"', folder]
        return subprocess.run(probe, capture_output=True).returncode == 0


if _tmpfs_available():
    config.available_features.add("tmpfs")
