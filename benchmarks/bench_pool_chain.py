"""The pooled-chain equivalent (accumulate-subsample) against the simulation it replaces.

Run: ``python benchmarks/bench_pool_chain.py``. For d = 50, T0 = 80 and n generations, one line:
the equivalent's wall time in float64 and at 30 digits, the Monte Carlo of the chain (conditional
estimator, 400 trials, one process) and the ratio simulation / equivalent. Not a test: numbers
depend on the machine and its load. BLAS is limited to one thread (small matrices).
"""

from __future__ import annotations

import time

from threadpoolctl import threadpool_limits

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.pool_chain import pool_types, solve_pool_chain
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate

D, T0 = 50, 80


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    print(f"accumulate-subsample, d = {D}, T0 = {T0}: equivalent (float64, 30 digits) vs 400-trial simulation")
    solve_pool_chain(pool_types(scheme="accumulate-subsample", d=D, T0=[T0] * 2, sigma0=[1.0] * 2,
                                real_counts=[0] * 2))  # warm: formulas are lambdified on first use
    print(f"{'n':>3} {'float64':>10} {'30 digits':>10} {'simulation':>11} {'sim/float64':>12}")
    for n in (2, 4, 8, 16, 32, 64):
        types = pool_types(scheme="accumulate-subsample", d=D, T0=[T0] * n, sigma0=[1.0] * n, real_counts=[0] * n)
        t64, _ = timed(lambda: solve_pool_chain(types))
        if n > 16:  # the simulation and 30 digits take minutes here: the equivalent alone
            print(f"{n:>3} {t64:>9.3f}s {'—':>10} {'—':>11} {'—':>12}")
            continue
        tmp, _ = timed(lambda: solve_pool_chain(types, Backend(30)))
        scenario = Scenario.from_dict({
            "spectrum": {"kind": "isotropic", "d": D}, "teacher": {"kind": "isotropic", "norm": 1.0},
            "generators": {"n": n, "T0": T0, "sigma0": 1.0, "scheme": "accumulate-subsample"},
            "downstream": {"T": 2 * D, "sigma": 0.5, "ridge": 0.0}})
        tsim, _ = timed(lambda: simulate(scenario, trials=400, seed=1, jobs=1))
        print(f"{n:>3} {t64:>9.3f}s {tmp:>9.2f}s {tsim:>10.2f}s {tsim / t64:>11.0f}x")


if __name__ == "__main__":
    with threadpool_limits(limits=1):
        main()
