"""Benchmark of the foundation: κ solver (float64, mpmath) and the Monte Carlo simulator.

Run ``python benchmarks/bench_foundation.py`` (``--quick`` for a smoke run). Prints, side by side:

* κ solves per second, float64, ``d = 10^4`` (power law β = 2): scalar calls, and one vectorised
  call over a grid of ridges;
* seconds per κ solve with mpmath at 50 digits, ``d = 10^3``;
* simulation trials per second at ``d = 200, T0 = 400, T = 300, n = 5`` (ridge downstream) with
  ``jobs = 1`` and ``jobs = 2``;
* the cost of multithreaded BLAS on the simulator's kernel: a chain of least-squares solves on
  ``400 × 150`` designs with 1 and with 2 BLAS threads (why ``simulate`` pins BLAS to 1 thread
  and parallelises over processes instead).

Timings are wall clock, best of ``--repeat`` runs; the machine's load is printed with them.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_info, threadpool_limits

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate
from modelcollapse.numerics.spectra import Spectrum
from modelcollapse.numerics.sums import spectral_sums


def best_of(repeat: int, fn) -> float:
    """Smallest wall-clock time of ``repeat`` calls of ``fn()``."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def bench_kappa_float64(repeat: int, quick: bool) -> dict:
    sums = spectral_sums(Spectrum(kind="power_law", d=10_000, beta=2.0), None, FLOAT64)
    ridges = np.logspace(-8, 1, 20 if quick else 100)
    T = 3_000
    scalar = best_of(repeat, lambda: [solve_kappa(sums, float(r), T) for r in ridges]) / len(ridges)
    grid = best_of(repeat, lambda: solve_kappa(sums, ridges, T)) / len(ridges)
    return {"scalar": 1 / scalar, "grid": 1 / grid, "n": len(ridges)}


def bench_kappa_mpmath(repeat: int, quick: bool) -> float:
    b = Backend(dps=50)
    sums = spectral_sums(Spectrum(kind="power_law", d=1_000, beta=2.0), None, b)
    return best_of(1 if quick else repeat, lambda: solve_kappa(sums, b.scalar("1e-3"), 300))


SIM_SCENARIO = {
    "spectrum": {"kind": "power_law", "d": 200, "beta": 2.0},
    "teacher": {"kind": "source", "r": 0.5},
    "generators": {"n": 5, "T0": 400, "sigma0": 1.0},
    "downstream": {"T": 300, "sigma": 0.5, "ridge": 1e-3},
}


def bench_simulation(jobs: int, trials: int, repeat: int) -> float:
    s = Scenario.from_dict(SIM_SCENARIO)
    simulate(s, trials=max(2, 2 * jobs), seed=0, jobs=jobs)  # warm up (imports, pool start-up paths)
    return trials / best_of(repeat, lambda: simulate(s, trials=trials, seed=1, jobs=jobs))


def bench_blas_threads(repeat: int, quick: bool) -> dict:
    """Time a generator-chain-like kernel (lstsq on 400 × 150) with 1 and 2 BLAS threads."""
    rng = np.random.default_rng(0)
    steps = 20 if quick else 60
    designs = [rng.standard_normal((400, 150)) for _ in range(steps)]

    def chain():
        w = np.ones(150)
        for X in designs:
            w = scipy.linalg.lstsq(X, X @ w + rng.standard_normal(400), lapack_driver="gelsy", check_finite=False)[0]

    out = {}
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="blas"):
            chain()
            out[threads] = best_of(repeat, chain) / steps
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs (default 3)")
    args = ap.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    blas = [f"{p['internal_api']} ({p['num_threads']} threads)" for p in threadpool_info() if p["user_api"] == "blas"]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, BLAS "
          f"{', '.join(blas) or 'none found'}")

    kf = bench_kappa_float64(repeat, args.quick)
    km = bench_kappa_mpmath(repeat, args.quick)
    trials = 20 if args.quick else 100
    sim1 = bench_simulation(1, trials, repeat)
    sim2 = bench_simulation(2, 2 * trials, repeat)
    bl = bench_blas_threads(repeat, args.quick)

    rows = [
        ("kappa solves/s, float64, d=1e4, scalar calls", f"{kf['scalar']:.1f} /s"),
        (f"kappa solves/s, float64, d=1e4, one grid of {kf['n']} ridges", f"{kf['grid']:.1f} /s"),
        ("kappa solve, mpmath 50 digits, d=1e3", f"{km:.3f} s"),
        ("simulation, d=200 T0=400 T=300 n=5, jobs=1", f"{sim1:.1f} trials/s"),
        ("simulation, d=200 T0=400 T=300 n=5, jobs=2", f"{sim2:.1f} trials/s  (x{sim2 / sim1:.2f})"),
        ("lstsq 400x150 chain step, 1 BLAS thread", f"{1e3 * bl[1]:.2f} ms"),
        ("lstsq 400x150 chain step, 2 BLAS threads",
         f"{1e3 * bl[2]:.2f} ms  (2 threads / 1 thread = {bl[2] / bl[1]:.2f})"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
