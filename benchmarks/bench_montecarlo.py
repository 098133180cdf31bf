"""Monte Carlo cost at equal standard error, κ solves per second, and a verify run at d = 1000.

Run ``python benchmarks/bench_montecarlo.py`` (``--quick`` for a smoke run). Prints, side by side:

* MC cost at equal SE, ``time × SE²`` (lower is better; the time to reach a given SE is
  proportional to it), at ``d = 50, T0 = 100, T = 60, n = 3`` and ``d = 200, T0 = 400, T = 300,
  n = 5`` (power law β = 2, source teacher r = 0.5, σ0 = 1, σ = 0.5, ridge 1e-3 and 0), for
  (a) a plain numpy loop (``np.linalg.lstsq`` for every fit, ``np.linalg.solve`` for the ridge,
  one trial at a time), (b) ``simulate(estimator="plain")`` and (c)
  ``simulate(estimator="conditional")``, all single-process with 1 BLAS thread; ratios to (a);
* κ solves per second at ``d = 10⁴`` (power law β = 2, ``T = 3000``, 100 ridges ``1e-8 … 10``):
  one grid call, 100 scalar calls, and a ``scipy.optimize.brentq`` loop on the same equation
  ``h(κ) = 1 − df_1(κ)/T − λ/κ`` (rtol 1e-15), with the largest relative disagreement;
* wall time of ``modelcollapse verify`` (CLI, ``--jobs 2``, conditional estimator) at
  ``d = 1000, T0 = 2000, T = 1500, n = 3``, and the trials it needed for a relative SE <= 0.5%.

Timings are the minimum over ``--repeat`` runs, as wall clock and as CPU time of this process
(the CPU time is the better figure on a loaded machine); the load average is printed first.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.optimize
import tomli_w
from threadpoolctl import threadpool_limits

from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate
from modelcollapse.numerics.spectra import Spectrum
from modelcollapse.numerics.sums import spectral_sums


def scenario_dict(d, T0, T, n, ridge) -> dict:
    return {
        "spectrum": {"kind": "power_law", "d": d, "beta": 2.0},
        "teacher": {"kind": "source", "r": 0.5},
        "generators": {"n": n, "T0": T0, "sigma0": 1.0},
        "downstream": {"T": T, "sigma": 0.5, "ridge": ridge},
    }


def timed(repeat: int, fn):
    """``(result, min wall seconds, min CPU seconds)`` over ``repeat`` calls of ``fn()``."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return out, min(walls), min(cpus)


def numpy_loop(s: Scenario, trials: int, seed: int) -> tuple[float, float]:
    """The plain loop a user would write: lstsq for each fit, solve for the ridge. ``(mean, SE)``."""
    lam = s.spectrum.eigenvalues()
    w0 = s.teacher.coefficients(s.spectrum)
    sq = np.sqrt(lam)
    d = len(lam)
    g, dn = s.generators, s.downstream
    rng = np.random.default_rng(seed)
    errs = np.empty(trials)
    for i in range(trials):
        w = w0
        for k in range(g.n):
            X = rng.standard_normal((g.T0[k], d)) * sq
            w = np.linalg.lstsq(X, X @ w + g.sigma0[k] * rng.standard_normal(g.T0[k]), rcond=None)[0]
        X = rng.standard_normal((dn.T, d)) * sq
        Y = X @ w + dn.sigma * rng.standard_normal(dn.T)
        if dn.ridge > 0:
            wp = np.linalg.solve(X.T @ X / dn.T + dn.ridge * np.eye(d), X.T @ Y / dn.T)
        else:
            wp = np.linalg.lstsq(X, Y, rcond=None)[0]
        errs[i] = np.sum(lam * (wp - w0) ** 2)
    return float(errs.mean()), float(errs.std(ddof=1) / math.sqrt(trials))


def bench_mc(repeat: int, quick: bool) -> list[tuple]:
    rows = []
    for d, T0, T, n, trials in ((50, 100, 60, 3, 400), (200, 400, 300, 5, 100)):
        if quick:
            trials = max(10, trials // 10)
        for ridge in (1e-3, 0.0):
            s = Scenario.from_dict(scenario_dict(d, T0, T, n, ridge))
            with threadpool_limits(limits=1):
                (m_a, se_a), wa, ca = timed(repeat, lambda: numpy_loop(s, trials, 0))
            rb, wb, cb = timed(repeat, lambda: simulate(s, trials=trials, seed=0, jobs=1, estimator="plain"))
            rc, wc, cc = timed(repeat, lambda: simulate(s, trials=trials, seed=0, jobs=1, estimator="conditional"))
            cost = {"loop": (wa * se_a**2, ca * se_a**2), "plain": (wb * rb.stderr**2, cb * rb.stderr**2),
                    "conditional": (wc * rc.stderr**2, cc * rc.stderr**2)}
            label = f"d={d} T0={T0} T={T} n={n} ridge={ridge:g}, {trials} trials"
            rows.append((label, (m_a, se_a, wa, ca), (rb.mean, rb.stderr, wb, cb), (rc.mean, rc.stderr, wc, cc), cost))
    return rows


def bench_kappa(repeat: int) -> dict:
    sums = spectral_sums(Spectrum(kind="power_law", d=10_000, beta=2.0))
    lam, T = sums.eigenvalues, 3000
    ridges = np.logspace(-8, 1, 100)
    trace = float(lam.sum())

    def brentq_loop():
        out = np.empty(len(ridges))
        for i, r in enumerate(ridges):
            out[i] = scipy.optimize.brentq(lambda k: 1 - np.sum(lam / (lam + k)) / T - r / k, r, r + trace / T,
                                           xtol=1e-300, rtol=1e-15)
        return out

    grid, wg, cg = timed(repeat, lambda: solve_kappa(sums, ridges, T))
    scal, ws, cs = timed(repeat, lambda: [solve_kappa(sums, float(r), T) for r in ridges])
    ref, wq, cq = timed(repeat, brentq_loop)
    k_scalar = np.array([float(x.kappa) for x in scal])
    return {
        "grid": (len(ridges) / wg, len(ridges) / cg, grid.iterations, grid.residual),
        "scalar": (len(ridges) / ws, len(ridges) / cs, max(x.iterations for x in scal), max(x.residual for x in scal)),
        "brentq": (len(ridges) / wq, len(ridges) / cq),
        "diff_grid_brentq": float(np.max(np.abs(grid.kappa / ref - 1))),
        "diff_grid_scalar": float(np.max(np.abs(grid.kappa / k_scalar - 1))),
    }


def bench_verify_d1000(quick: bool) -> dict:
    """The CLI ``verify`` at d = 1000 (a child interpreter, 1 BLAS thread per worker, --jobs 2)."""
    data = scenario_dict(1000, 2000, 1500, 3, 1e-3)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    trials = 2 if quick else 8  # >= 8: the SE itself is estimated from the spread (7 degrees of freedom)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "d1000.toml"
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        while True:
            t = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "modelcollapse.derivations.cli", "verify", str(path),
                                   "--trials", str(trials), "--jobs", "2", "--json", "--estimator", "conditional"],
                                  capture_output=True, text=True, env=env)
            wall = time.perf_counter() - t
            if proc.returncode not in (0, 1):
                raise RuntimeError(proc.stderr)
            out = json.loads(proc.stdout)
            rel = out["stderr"] / out["mean"]
            if rel <= 0.005 or quick or trials >= 256:
                return {"trials": trials, "wall": wall, "rel_se": rel, "mean": out["mean"], "theory": out["theory"],
                        "passed": out["passed"]}
            trials *= 2


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer trials and repetitions (smoke run)")
    ap.add_argument("--repeat", type=int, default=3, help="min of this many runs (default 3)")
    args = ap.parse_args(argv)
    repeat = 1 if args.quick else args.repeat
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (at start)")

    print("\nMC cost at equal SE: time x SE^2 (wall / CPU), ratio = loop cost / cost (higher is better)")
    for label, a, b, c, cost in bench_mc(repeat, args.quick):
        print(f"  {label}")
        for name, (m, se, w, cpu) in (("numpy loop", a), ("plain", b), ("conditional", c)):
            key = {"numpy loop": "loop"}.get(name, name)
            cw, cc = cost[key]
            rw, rc = cost["loop"][0] / cw, cost["loop"][1] / cc
            print(f"    {name:<12} mean {m:.5g} +- {se:.2g}   {w:7.3f} s wall {cpu:7.3f} s CPU   "
                  f"cost {cw:.3g} / {cc:.3g}   ratio x{rw:.1f} / x{rc:.1f}")

    k = bench_kappa(repeat)
    print("\nkappa, float64, d=1e4 power law beta=2, T=3000, 100 ridges 1e-8..10 (solves/s, wall / CPU)")
    print(f"  grid (one call)     {k['grid'][0]:9.0f} / {k['grid'][1]:9.0f}   iterations {k['grid'][2]}, residual "
          f"{k['grid'][3]:.2g}")
    print(f"  scalar (100 calls)  {k['scalar'][0]:9.0f} / {k['scalar'][1]:9.0f}   iterations <= {k['scalar'][2]}, "
          f"residual <= {k['scalar'][3]:.2g}")
    print(f"  brentq loop         {k['brentq'][0]:9.0f} / {k['brentq'][1]:9.0f}   (rtol 1e-15)")
    print(f"  grid / brentq x{k['grid'][1] / k['brentq'][1]:.2f} (CPU), scalar / brentq "
          f"x{k['scalar'][1] / k['brentq'][1]:.2f} (CPU)")
    print(f"  max |kappa/kappa_brentq - 1| = {k['diff_grid_brentq']:.2g}, grid vs scalar {k['diff_grid_scalar']:.2g}")

    v = bench_verify_d1000(args.quick)
    print("\nverify (CLI, --jobs 2, conditional) d=1000 T0=2000 T=1500 n=3 ridge=1e-3")
    print(f"  {v['trials']} trials, {v['wall']:.1f} s wall (interpreter start-up included), relative SE "
          f"{100 * v['rel_se']:.3f}%, "
          f"mean {v['mean']:.6g}, theory {v['theory']:.6g}, {'PASS' if v['passed'] else 'FAIL'}")
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
