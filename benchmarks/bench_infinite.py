"""Timings of the power-law sums (numerics/infinite.py) and of κ at 50 digits. Run: python benchmarks/bench_infinite.py

Prints one line per case: the median wall time of a few repetitions, and the accuracy where a
reference is at hand. Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.infinite import PowerLawSums
from modelcollapse.numerics.optimize import optimal_ridge
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.spectra import Spectrum
from modelcollapse.numerics.sums import SpectralSums


def timed(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    rows = []
    f64 = PowerLawSums(beta=1.5, d=math.inf, teacher_kind="source", r=0.5)
    f64.df(1e-3, 1)  # warm the plan cache
    kap = np.logspace(-12, 2, 1000)
    rows.append(("float64 df_1, d=inf, 1 kappa", *timed(lambda: f64.df(1e-3, 1), 50)))
    rows.append(("float64 df_1, d=inf, 1000 kappas (vectorised)", *timed(lambda: f64.df(kap, 1))))
    big = PowerLawSums(beta=1.5, d=10**7, teacher_kind="source", r=0.5)
    big.df(1e-3, 1)
    rows.append(("float64 df_1, d=1e7 (Euler-Maclaurin), 1 kappa", *timed(lambda: big.df(1e-3, 1), 50)))
    direct = SpectralSums(Spectrum(kind="power_law", d=10**7, beta=1.5).eigenvalues(), None)
    rows.append(("float64 df_1, d=1e7 term by term, 1 kappa", *timed(lambda: direct.df(1e-3, 1), 3)))
    for dps in (30, 50, 100):
        b = Backend(dps=dps)
        mp = PowerLawSums(beta=1.5, d=math.inf, teacher_kind="source", r=0.5, backend=b)
        k = b.scalar("1e-3")
        mp.df(k, 1)
        rows.append((f"mpmath[{dps}] df_1, d=inf, 1 kappa", *timed(lambda: mp.df(k, 1), 5)))
    for dps in (50,):
        b = Backend(dps=dps)
        for ridge in ("1e-3", "0"):
            mp = PowerLawSums(beta=1.5, d=math.inf, teacher_kind="source", r=0.5, backend=b)
            t, sol = timed(lambda: solve_kappa(mp, b.scalar(ridge), 100), 3)
            rows.append((f"kappa at {dps} digits, beta=1.5, T=100, ridge={ridge} "
                         f"({sol.iterations} it., residual {sol.residual:.1e})", t, None))
    t, sol = timed(lambda: solve_kappa(f64, np.logspace(-8, 0, 200), np.logspace(2, 8, 200)), 3)
    rows.append((f"kappa float64, 200 (ridge, T) pairs at once (residual {sol.residual:.1e})", t, None))
    s = Scenario.from_dict({"spectrum": {"kind": "power_law", "d": "inf", "beta": 2.0},
                            "teacher": {"kind": "source", "r": 0.5},
                            "generators": {"n": 0}, "downstream": {"T": 10000, "sigma": 1.0, "ridge": 0.1}})
    optimal_ridge(s)
    rows.append(("optimal_ridge, d=inf, float64", *timed(lambda: optimal_ridge(s), 3)))
    rows.append(("optimal_ridge, d=inf, 30 digits", *timed(lambda: optimal_ridge(s, 30), 1)))
    width = max(len(r[0]) for r in rows)
    for name, t, _ in rows:
        print(f"{name:<{width}}  {t * 1e3:10.3f} ms")
    _ = FLOAT64


if __name__ == "__main__":
    main()
