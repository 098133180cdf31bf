"""The general chain engine (issue 19): composed predictions, and the closed-form paths before / after.

Run: ``python benchmarks/bench_chain_engine.py``. Two tables, in one run, BLAS limited to one thread:

1. composed predictions the general engine makes (ridge generators, a real fraction, a ridge downstream
   with a real share; replace, accumulate, accumulate-subsample) at n = 4, 8, 16 and d = 50, 100, 200:
   ``predict`` wall time in float64 (min of 5 after a warm-up) against the 50 ms budget;
2. ``predict`` on every built-in scenario with this tree and with main at 95a5092 (before the chain
   engine; extracted with ``git archive`` into a temporary folder and run in a subprocess), side by
   side, with the ratio now / before; the two trees run alternately, 3 rounds, best of all.

Not a test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "95a5092"
BUDGET_MS = 50.0
ROUNDS = 3  # subprocess runs of each tree, alternated

TIMER = r'''
import json, sys, time
from threadpoolctl import threadpool_limits
from modelcollapse.derivations.scenario_files import builtin, builtin_names
from modelcollapse.numerics.predict import predict
out = {}
with threadpool_limits(limits=1):
    for name in builtin_names():
        s = builtin(name).scenario
        predict(s)
        best = float("inf")
        for _ in range(7):
            t = time.perf_counter()
            for _ in range(20):
                predict(s)
            best = min(best, (time.perf_counter() - t) / 20)
        out[name] = best
print(json.dumps(out))
'''


def _tree_at(commit: str, folder: Path) -> Path:
    """``modelcollapse`` of ``commit`` laid out as an importable package under ``folder``."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    src = folder / "src"
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(src, filter="data")
    package = folder / "pkg" / "modelcollapse"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for layer in ("theory", "numerics", "derivations"):
        (package / layer).symlink_to(src / layer)
    return folder / "pkg"


def _builtin_times(pythonpath: Path | None) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    run = subprocess.run([sys.executable, "-c", TIMER], check=True, capture_output=True, text=True, env=env,
                         cwd=tempfile.gettempdir())
    return json.loads(run.stdout)


def composed() -> None:
    from threadpoolctl import threadpool_limits

    from modelcollapse.numerics.predict import predict
    from modelcollapse.numerics.scenario import Scenario

    print(f"composed predictions by the general chain engine (float64, budget {BUDGET_MS:.0f} ms)")
    print(f"{'scheme':>22} {'n':>3} {'d':>4} {'regime':>14} {'ms':>8}  budget")
    with threadpool_limits(limits=1):
        for scheme in ("replace", "accumulate", "accumulate-subsample"):
            for n, d in ((4, 50), (8, 100), (16, 200)):
                s = Scenario.from_dict({
                    "spectrum": {"kind": "power_law", "d": d, "beta": 1.5}, "teacher": {"kind": "source", "r": 0.5},
                    "generators": {"n": n, "T0": int(0.6 * d), "sigma0": 0.5, "scheme": scheme, "ridge": 0.05,
                                   "real_fraction": 0.2},
                    "downstream": {"T": 2 * d, "sigma": 0.5, "ridge": 0.02, "real_fraction": 0.3}})
                p = predict(s)
                best = min((lambda t: (predict(s), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(5))
                ms = 1000 * best
                print(f"{scheme:>22} {n:>3} {d:>4} {p.regime:>14} {ms:>8.1f}  {'ok' if ms <= BUDGET_MS else 'OVER'}")


def closed_forms() -> None:
    before, now = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        tree = _tree_at(BEFORE, Path(tmp))
        for _ in range(ROUNDS):  # alternated, the best of each: a shared machine's load hits both alike
            for times, path in ((before, tree), (now, None)):
                for name, t in _builtin_times(path).items():
                    times[name] = min(t, times.get(name, float("inf")))
    print(f"\nbuilt-in scenarios, predict wall time (best of {ROUNDS} x 7 means of 20 calls): main at {BEFORE} vs this "
          "tree")
    print(f"{'scenario':>22} {'before µs':>10} {'now µs':>10} {'now/before':>11}")
    for name in sorted(now):
        if name not in before:  # a scenario added since: nothing to compare
            print(f"{name:>22} {'(new)':>10} {1e6 * now[name]:>10.1f} {'—':>11}")
            continue
        print(f"{name:>22} {1e6 * before[name]:>10.1f} {1e6 * now[name]:>10.1f} {now[name] / before[name]:>11.2f}")


if __name__ == "__main__":
    composed()
    closed_forms()
