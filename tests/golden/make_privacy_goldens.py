"""Writes tests/unit/runtime/data/privacy_goldens.json: ε of the sampled Gaussian mechanism under
the RDP accountant, computed by Opacus's own implementation, for ftpc's accountant to match.

Opacus (PyPI) is used only here, to produce reference values; ftpc never runs Python. The wheel
is downloaded without its dependencies (no torch) and its `accountants/analysis/rdp.py`, which
needs only numpy and scipy, is loaded by path. Run from the repository root:

    python3 tests/golden/make_privacy_goldens.py
"""
import importlib.util
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

OPACUS = "opacus==1.5.2"
ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = ROOT / "build" / "golden-venv-privacy"
OUT = ROOT / "tests" / "unit" / "runtime" / "data" / "privacy_goldens.json"

if sys.prefix != str(VENV):
    if not VENV.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([VENV / "bin" / "pip", "install", "-q", "numpy==2.1.3", "scipy==1.14.1"],
                       check=True)
    sys.exit(subprocess.run([VENV / "bin" / "python", __file__]).returncode)

with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", OPACUS, "-d", tmp],
                   check=True)
    wheel = next(pathlib.Path(tmp).glob("opacus-*.whl"))
    source = zipfile.ZipFile(wheel).read("opacus/accountants/analysis/rdp.py")
    path = pathlib.Path(tmp) / "rdp.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("opacus_rdp", path)
    rdp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rdp)

orders = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))  # Opacus's defaults
cases = []
for q in (0.001, 0.004, 0.01, 0.04, 0.1, 0.5, 1.0):
    for sigma in (0.6, 0.8, 1.0, 1.5, 2.5, 5.0):
        for steps in (1, 100, 2250, 10000):
            for delta in (1e-5, 1e-7):
                r = rdp.compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=orders)
                eps, order = rdp.get_privacy_spent(orders=orders, rdp=r, delta=delta)
                cases.append({"q": q, "sigma": sigma, "steps": steps, "delta": delta,
                              "epsilon": float(eps), "order": float(order)})
# Per-order RDP values too, fractional and integer orders alike.
per_order = []
for q, sigma in ((0.01, 2.5), (0.04, 1.5), (0.2, 0.7)):
    for alpha in (1.5, 2, 2.5, 3.9, 5, 12.5, 32, 63):
        value = rdp.compute_rdp(q=q, noise_multiplier=sigma, steps=1, orders=[alpha])[0]
        per_order.append({"q": q, "sigma": sigma, "order": alpha, "rdp": float(value)})
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps({"source": OPACUS + " opacus/accountants/analysis/rdp.py",
                           "orders": orders, "cases": cases, "per_order": per_order}, indent=1))
print(f"wrote {len(cases)} cases and {len(per_order)} per-order values to {OUT}")
