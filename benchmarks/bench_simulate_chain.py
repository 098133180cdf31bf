"""The generic simulator of the chain description against the trial functions it replaced (issue 19).

Run: ``python benchmarks/bench_simulate_chain.py [trials]``. For every built-in scenario with a
Gaussian design (the kernel-on-real-data one keeps its own simulator), rescaled to ``d = 100`` (``T0``
and ``T`` scaled with ``d``, so the shape of the chain is kept), the time per trial of

* the old trial function ``simulate`` dispatched to before (``_one_trial`` / ``conditional_trial``,
  ``plain/conditional_scheme_trial``, ``explicit_trial``, ``plain/conditional_reused_trial``), and
* the generic simulator (``numerics/simulate_description.py``: ``plain_trial``, ``conditional_trial``),

in one run, BLAS limited to one thread, the same seeds, alternated, best of 7 repeats; the ratio new/old per
estimator (target: at most 1.2). Not a test: the numbers depend on the machine and its load.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from modelcollapse.derivations.scenario_files import builtin, builtin_names
from modelcollapse.numerics import simulate as simmod
from modelcollapse.numerics.chain import compile_chain
from modelcollapse.numerics.simulate_conditional import conditional_trial as old_conditional
from modelcollapse.numerics.simulate_description import Layout, conditional_trial, plain_trial
from modelcollapse.numerics.simulate_designs import explicit_trial
from modelcollapse.numerics.simulate_reused import conditional_reused_trial, plain_reused_trial
from modelcollapse.numerics.simulate_schemes import conditional_scheme_trial, plain_scheme_trial

D = 100
REPEATS = 7


def _rescaled(s):
    """``s`` at ``d = 100`` with ``T0`` and ``T`` scaled by ``100/d``."""
    f = D / s.d
    gen = s.generators
    changes = {"spectrum.d": D, "downstream.T": max(2, round(s.T * f))}
    if gen.n:
        changes["generators.T0"] = [max(2, round(t * f)) for t in gen.T0]
    return s.replace(**changes)


def _old(s, estimator):
    """The trial function ``simulate`` used for ``s`` before issue 19's generic simulator, as a closure of ``rng``."""
    g, sq = s.generators, np.sqrt(s.spectrum.eigenvalues())
    w0 = s.teacher.coefficients(s.spectrum)
    f = s.downstream.real_fraction
    plain = estimator == "plain"
    if g.design_matrix == "reused":
        trial = plain_reused_trial if plain else conditional_reused_trial
        return lambda rng: trial(rng, sq, w0, g.T0[0], g.sigma0, g.ridge, g.real_fraction, s.T, s.sigma, s.ridge, f)
    if g.scheme == "replace" and not g.has_real_data and not f:
        if g.has_ridge:
            return lambda rng: explicit_trial(rng, sq, w0, g.T0, g.sigma0, g.ridge, s.T, s.sigma, s.ridge,
                                              estimator=estimator)
        trial = simmod._one_trial if plain else old_conditional
        return lambda rng: trial(rng, sq, w0, g.T0, g.sigma0, s.T, s.sigma, s.ridge)
    trial = plain_scheme_trial if plain else conditional_scheme_trial
    return lambda rng: trial(rng, sq, w0, g.scheme, g.T0, g.sigma0, g.real_fraction, s.T, s.sigma, s.ridge, f,
                             g.ridge)


def _new(s, estimator):
    layout = Layout(compile_chain(s))
    sq, w0 = np.sqrt(s.spectrum.eigenvalues()), s.teacher.coefficients(s.spectrum)
    trial = plain_trial if estimator == "plain" else conditional_trial
    return lambda rng: trial(rng, layout, sq, w0)


def _per_trial(old, new, trials: int) -> tuple[float, float]:
    """Best time per trial of each, the two measured alternately (a shared machine's load hits both alike)."""
    best = [float("inf"), float("inf")]
    for _ in range(REPEATS):
        for j, run in enumerate((old, new)):
            t = time.perf_counter()
            for i in range(trials):
                run(np.random.default_rng(i))
            best[j] = min(best[j], (time.perf_counter() - t) / trials)
    return best[0], best[1]


def main(trials: int = 20) -> None:
    print(f"per trial, d = {D}, best of {REPEATS} x {trials} trials (old and new alternated); ratio = generic / old")
    head = f"{'old':>10s} {'new':>10s} {'ratio':>6s}"
    print(f"{'':24s} {'plain':^29s}   {'conditional':^29s}")
    print(f"{'scenario':24s} {head}   {head}")
    with threadpool_limits(limits=1):
        for name in builtin_names():
            s = builtin(name).scenario
            if getattr(s.spectrum, "design_name", "gaussian") != "gaussian":
                continue
            s = _rescaled(s)
            if compile_chain(s).simulation_hooks():  # an issue-23 axis: no old trial function simulates it
                print(f"{name:24s} (simulator hooks: the generic simulator only)")
                continue
            cells = []
            for estimator in ("plain", "conditional"):
                old, new = _per_trial(_old(s, estimator), _new(s, estimator), trials)
                cells.append(f"{old * 1e3:8.3f}ms {new * 1e3:8.3f}ms {new / old:6.2f}")
            print(f"{name:24s} {cells[0]}   {cells[1]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
