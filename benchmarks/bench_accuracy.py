"""Measured accuracy of each provenance on held-out scenarios (issue 22 item 5; a research script, not CI).

Every check of the toolkit applies ``4·SE + allowance·|theory|`` with the allowance its provenance
states (``Provenance.allowance``). This script is where those numbers come from: for each provenance
a table of scenarios that no test and no calibration used, the prediction beside a long conditional
Monte Carlo of the definition, the relative difference and its z-score, and per provenance the worst
``|rel| + 2·SE_rel`` (the accuracy stated, rounded up) next to the allowance the code applies.

Run: ``python benchmarks/bench_accuracy.py [--quick] [--group NAME ...] [--jobs J]``
(``--quick``: a quarter of the trials). The output of the last full run is in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from modelcollapse.numerics.predict import predict  # noqa: E402
from modelcollapse.numerics.scenario import Scenario  # noqa: E402
from modelcollapse.numerics.simulate import simulate  # noqa: E402


def _s(spectrum, generators, downstream, teacher=None) -> Scenario:
    isotropic = spectrum.get("kind") == "isotropic"
    teacher = teacher or ({"kind": "isotropic"} if isotropic else {"kind": "source", "r": 0.5})
    return Scenario.from_dict({"spectrum": spectrum, "teacher": teacher, "generators": generators,
                               "downstream": downstream})


def _ridge_generators():
    """Ridge generators (``[generators] ridge``; regime ridge_generators), held out from the tests."""
    out = []
    for d, beta in ((40, 1.4), (80, 2.0)):
        for ratio, lam0, n in ((0.5, 0.05, 2), (1.5, 0.01, 3), (3.0, 0.2, 1), (1.1, 0.01, 2)):
            T0 = int(ratio * d)
            spec = {"kind": "power_law", "d": d, "beta": beta} if d == 80 else {"kind": "isotropic", "d": d}
            out.append((f"d={d} T0={T0} lam0={lam0} n={n}",
                        _s(spec, {"n": n, "T0": T0, "sigma0": 0.7, "ridge": lam0},
                           {"T": int(1.3 * d), "sigma": 0.5, "ridge": 0.02})))
    return out


def _mixing():
    """Ridge downstream with a synthetic share (replace + real fractions; regime replace_mixing)."""
    out = [("issue 22: d=30 T=90 lam=0.05 f_gen=0.2 f_down=0.8",
            _s({"kind": "power_law", "d": 30, "beta": 1.5}, {"n": 2, "T0": 60, "sigma0": 1.0, "real_fraction": 0.2},
               {"T": 90, "sigma": 0.5, "ridge": 0.05, "real_fraction": 0.8}))]
    for d, T, lam, f in ((50, 100, 0.01, 0.5), (50, 40, 0.05, 0.3), (40, 60, 0.1, 0.9), (60, 150, 0.003, 0.6)):
        out.append((f"d={d} T={T} lam={lam} f_down={f}",
                    _s({"kind": "power_law", "d": d, "beta": 1.3}, {"n": 3, "T0": 2 * d, "sigma0": 0.8},
                       {"T": T, "sigma": 0.5, "ridge": lam, "real_fraction": f})))
    return out


def _corrected():
    """The 1/d-corrected clean part and collapse term (OLS generators; the 59-scenario table is in THEORY.md 3.9)."""
    out = []
    for d, beta, T, lam, n in ((45, 1.3, 40, 2e-3, 1), (70, 1.8, 120, 1e-2, 2), (60, 2.5, 20, 1e-3, 0),
                               (90, 1.2, 80, 5e-3, 1), (50, 3.0, 60, 0.1, 3)):
        out.append((f"power law d={d} beta={beta} T={T} lam={lam} n={n}",
                    _s({"kind": "power_law", "d": d, "beta": beta}, {"n": n, "T0": 3 * d, "sigma0": 0.6},
                       {"T": T, "sigma": 0.5, "ridge": lam})))
    return out


def _real_data():
    """Kernel ridge on real points (design = "real": the theory is the Gaussian one, universality)."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    folder = Path(tempfile.mkdtemp(prefix="bench_accuracy_"))
    np.savez(folder / "breast_cancer.npz", X=X, y=y)
    out = []
    for dataset, extra, target in ((str(folder / "breast_cancer.npz"), {"standardize": True}, "class:1"),
                                   ("digits", {"gamma": 1e-3}, "parity")):
        for lam, n in ((1e-2, 0), (1e-2, 2), (3e-2, 2), (1e-3, 0)):
            spec = {"kind": "kernel", "dataset": dataset, "kernel": "rbf", "points": 400, **extra}
            gen = {"n": n, "T0": 200, "sigma0": 0.3, "ridge": lam} if n else {"n": 0}
            out.append((f"{Path(dataset).stem} N=400 lam={lam} n={n}",
                        Scenario.from_dict({"spectrum": spec, "teacher": {"kind": "labels", "target": target},
                                            "generators": gen, "downstream": {"T": 200, "sigma": 0.3, "ridge": lam}})))
    return out


GROUPS = {"ridge_generators": _ridge_generators, "mixing": _mixing, "corrected": _corrected, "real_data": _real_data}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--group", action="append", choices=sorted(GROUPS))
    parser.add_argument("--trials", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    trials = args.trials // 4 if args.quick else args.trials
    for name in args.group or list(GROUPS):
        print(f"\n## {name}  ({trials} trials each, conditional estimator, seed 11)")
        print(f"{'scenario':<52} {'theory':>10} {'simulation':>10} {'rel SE':>7} {'rel diff':>9} {'z':>7}  allowance")
        worst = 0.0
        allowances = set()
        start = time.time()
        for label, scenario in GROUPS[name]():
            p = predict(scenario, monte_carlo=False)
            sim = simulate(scenario, trials=trials, seed=11, jobs=args.jobs)
            rel = (p.test_error - sim.mean) / sim.mean
            rse = sim.stderr / sim.mean
            worst = max(worst, abs(rel) + 2 * rse)
            allowances.add(p.allowance)
            print(f"{label:<52} {p.test_error:>10.5g} {sim.mean:>10.5g} {rse:>7.2%} {rel:>+9.2%} "
                  f"{(p.test_error - sim.mean) / sim.stderr:>7.2f}  {p.allowance:g}", flush=True)
        print(f"-> worst |rel| + 2 SE: {worst:.2%}; allowance applied: {sorted(allowances)} "
              f"({time.time() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
