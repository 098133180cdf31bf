"""Benchmark of a sweep's theory: one ``predict`` per point against the vectorised κ of ``sweep``.

Run ``python benchmarks/bench_sweep_theory.py`` (``--quick`` for a smoke run). For each grid it
prints, side by side and with their ratio:

* ``predict`` loop: the public ``predict`` of every point, one after the other (each point's
  ``κ`` solved on its own);
* per-point tasks: the sweep's theory stage as it was (each point's task: ``predict``, its
  ``to_dict`` and the JSON payload), no κ table;
* vectorised: the sweep's theory stage now (``derivations.sweep.theory.run_theory``): the
  downstream ``κ`` of every ``(ridge, T)`` of a spectrum in one vectorised call, the generator-side
  ``κ`` once, then the same tasks;
* the κ solves alone: one scalar call per ridge against one grid call.

The payloads of both stages are checked to be identical (``==`` on every field). Grids: the
report's ridge figure (isotropic ``d = 100``, ``T = 200``, ``T0 = 400``; ridge
``logspace(-3,1.5,41)`` × ``n = 0, 2, 5, 10``) and a power law ``d = 10^4`` (β = 2, source
teacher, ``T = 300``, ``T0 = 400``: over-parameterised generators; ridge ``logspace(-4,1,41)`` ×
``n = 0, 2, 5, 10``), plus the same power law at ``n = 0`` only. One BLAS thread; wall clock, best
of ``--repeat`` runs after a warm-up; the machine's load is printed first.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from threadpoolctl import threadpool_limits

from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.derivations.sweep import sweep
from modelcollapse.derivations.sweep.grid import apply_point, grid_points, make_axis
from modelcollapse.derivations.sweep.points import run_task, theory_task
from modelcollapse.derivations.sweep.theory import run_theory
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def power_law(d: int) -> Scenario:
    data = builtin("powerlaw_ridge").scenario.to_dict()
    data["spectrum"]["d"] = d
    return Scenario.from_dict(data)


def tasks_of(base: Scenario, grids: dict) -> list:
    axes = [make_axis(k, v) for k, v in grids.items()]
    keys, data = [a.key for a in axes], base.to_dict()
    return [theory_task(apply_point(data, keys, p).to_dict(), None) for p in grid_points(axes)]


def measure(name: str, base: Scenario, grids: dict, repeat: int) -> None:
    tasks = tasks_of(base, grids)
    scenarios = [Scenario.from_dict(t.scenario) for t in tasks]

    def vectorised():
        out = {}
        run_theory(tasks, precision=None, done=lambda task, payload: out.__setitem__(task.key, payload))
        return [out[t.key] for t in tasks]

    assert [run_task(t) for t in tasks] == vectorised(), "payloads differ"  # also the warm-up
    loop = best_of(repeat, lambda: [predict(s) for s in scenarios])
    per_point = best_of(repeat, lambda: [run_task(t) for t in tasks])
    new = best_of(repeat, vectorised)
    whole = best_of(repeat, lambda: sweep(base, grids=grids))
    n = len(tasks)
    print(f"{name}: {n} points; the whole sweep() call (grid, keys, theory, table) {whole:.3f} s")
    print(f"  {'predict loop':<34}{loop:>8.3f} s {1e3 * loop / n:>8.2f} ms/point")
    print(f"  {'per-point tasks (before)':<34}{per_point:>8.3f} s {1e3 * per_point / n:>8.2f} ms/point")
    print(f"  {'vectorised kappa (now)':<34}{new:>8.3f} s {1e3 * new / n:>8.2f} ms/point"
          f"   x{per_point / new:.2f} vs per-point tasks, x{loop / new:.2f} vs predict loop")


def measure_solves(name: str, base: Scenario, ridges: np.ndarray, repeat: int) -> None:
    sums = base.spectrum.spectral_sums(None)
    T = base.T
    scalar = best_of(repeat, lambda: [solve_kappa(sums, float(r), T) for r in ridges])
    grid = best_of(repeat, lambda: solve_kappa(sums, ridges, T))
    print(f"  kappa alone, {name}, {len(ridges)} ridges: scalar calls {1e3 * scalar:.2f} ms, one grid call "
          f"{1e3 * grid:.2f} ms   x{scalar / grid:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="9 ridges, n = 0, 5, d = 2000, one run")
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)
    ridges, n_values, d = ((9, [0, 5], 2000) if args.quick else (41, [0, 2, 5, 10], 10_000))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; 1 BLAS thread; best of {repeat}")
    with threadpool_limits(limits=1):
        iso = builtin("isotropic_ridge").scenario
        measure("report's ridge figure (isotropic d=100)", iso,
                {"downstream.ridge": f"logspace(-3,1.5,{ridges})", "generators.n": n_values}, repeat)
        measure_solves("isotropic d=100", iso, np.logspace(-3, 1.5, ridges), repeat)
        pl = power_law(d)
        measure(f"power law d={d}", pl, {"downstream.ridge": f"logspace(-4,1,{ridges})", "generators.n": n_values},
                repeat)
        measure(f"power law d={d}, n=0 only", pl, {"downstream.ridge": f"logspace(-4,1,{ridges})",
                                                    "generators.n": [0]}, repeat)
        measure_solves(f"power law d={d}", pl, np.logspace(-4, 1, ridges), repeat)


if __name__ == "__main__":
    main()
