"""Writes tests/unit/runtime/data/prv_goldens.json: ε of DP-SGD (the Poisson-sampled Gaussian
mechanism) under Opacus's PRV accountant, for ftpc's PRV accountant to match.

Opacus (PyPI) is used only here, to produce reference values; ftpc never runs Python. As in
make_privacy_goldens.py the wheel is downloaded without its dependencies (no torch): its
`opacus/accountants` package, which needs only numpy and scipy, is imported from the wheel with two
stand-ins so that torch is not needed: an empty `opacus` package (its __init__ imports torch) and
`opacus.optimizers.DPOptimizer`, which accountants/accountant.py imports only for a type. Every
accountant file runs unchanged. Run from the repository root (a few minutes):

    python3 tests/golden/make_prv_goldens.py
"""
import atexit
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import types
import warnings
import zipfile

OPACUS = "opacus==1.5.2"
ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = ROOT / "build" / "golden-venv-privacy"  # shared with make_privacy_goldens.py
OUT = ROOT / "tests" / "unit" / "runtime" / "data" / "prv_goldens.json"
MAX_GRID = 1_000_000  # keep the C++ test fast (about 10 s): cases with larger grids are left out

if sys.prefix != str(VENV):
    if not VENV.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([VENV / "bin" / "pip", "install", "-q", "numpy==2.1.3", "scipy==1.14.1"],
                       check=True)
    sys.exit(subprocess.run([VENV / "bin" / "python", __file__]).returncode)

warnings.filterwarnings("ignore")  # "PRVAccountant has not yet been properly checked ..."
tmp = tempfile.mkdtemp()
atexit.register(shutil.rmtree, tmp, ignore_errors=True)
subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", OPACUS, "-d", tmp],
               check=True)
wheel = next(pathlib.Path(tmp).glob("opacus-*.whl"))
zipfile.ZipFile(wheel).extractall(pathlib.Path(tmp) / "wheel")
package = types.ModuleType("opacus")
package.__path__ = [str(pathlib.Path(tmp) / "wheel" / "opacus")]
sys.modules["opacus"] = package
optimizers = types.ModuleType("opacus.optimizers")
optimizers.DPOptimizer = object
sys.modules["opacus.optimizers"] = optimizers

from opacus.accountants import PRVAccountant  # noqa: E402
from opacus.accountants.analysis.prv import PoissonSubsampledGaussianPRV  # noqa: E402
from opacus.accountants.utils import get_noise_multiplier  # noqa: E402

EPS_ERROR = 0.01  # PRVAccountant.get_epsilon's defaults


def grid_size(q, sigma, steps, delta):
    accountant = PRVAccountant()
    return accountant._get_domain(prvs=[PoissonSubsampledGaussianPRV(q, sigma)],
                                  num_self_compositions=[steps], eps_error=EPS_ERROR,
                                  delta_error=delta / 1000).size


cases, left_out = [], 0
for q in (0.001, 0.004, 0.01, 0.04, 0.1, 0.5, 1.0):
    for sigma in (0.6, 0.8, 1.0, 1.5, 2.5, 5.0):
        for steps in (1, 100, 2250, 10000):
            for delta in (1e-5, 1e-7):
                size = grid_size(q, sigma, steps, delta)
                if size > MAX_GRID:
                    left_out += 1
                    continue
                case = {"q": q, "sigma": sigma, "steps": steps, "delta": delta, "grid": size}
                accountant = PRVAccountant()
                accountant.history = [(sigma, q, steps)]
                try:
                    dprv = accountant._get_dprv(eps_error=EPS_ERROR, delta_error=delta / 1000)
                    lower, estimate, upper = dprv.compute_epsilon(delta, delta / 1000, EPS_ERROR)
                    case.update(lower=float(lower), estimate=float(estimate), upper=float(upper),
                                epsilon=float(accountant.get_epsilon(delta=delta)))
                except (RuntimeError, ValueError) as error:
                    case["error"] = str(error)
                cases.append(case)

# Opacus's calibration (get_noise_multiplier with accountant="prv"): bisection until the ε it
# reaches is within epsilon_tolerance = 0.01 below the target.
calibration = []
for target, delta, q, steps in ((1.0, 1e-5, 0.004, 2500), (3.0, 1e-5, 0.01, 1000),
                                (8.0, 1e-5, 0.04, 2250), (2.0, 1e-6, 0.001, 20000)):
    sigma = get_noise_multiplier(target_epsilon=target, target_delta=delta, sample_rate=q,
                                 steps=steps, accountant="prv")
    calibration.append({"epsilon": target, "delta": delta, "q": q, "steps": steps,
                        "sigma": float(sigma)})

OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps({
    "source": OPACUS + " opacus/accountants/prv.py, opacus/accountants/analysis/prv/ "
              "(eps_error 0.01, delta_error delta/1000)",
    "max_grid": MAX_GRID, "cases": cases, "calibration": calibration}, indent=1))
print(f"wrote {len(cases)} cases ({left_out} with grids over {MAX_GRID} left out) and "
      f"{len(calibration)} calibrations to {OUT}")
