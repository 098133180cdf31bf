"""A check at ``d = 1000``: the proportional-limit theory where it is meant to hold.

One power-law scenario (``d = 1000, T0 = 2000, T = 1500, n = 3``, built-in file
``sections/large_dimension.toml``), predicted and simulated with a handful of trials: the conditional
estimator averages every label noise out exactly given the designs, so eight trials of this size
already give a relative standard error of about 0.2% (benchmarks/bench_montecarlo.py).
"""

from __future__ import annotations

from modelcollapse.derivations.report.model import Budget, Panel, SectionPlan, SimPoint
from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.numerics.predict import predict

__all__ = ["plan", "TRIALS"]

TRIALS = 8  # each trial draws four 1000 x 1000 Wishart matrices: ~1 s; 8 give a relative SE ~ 0.2%

_CAPTION = ("The collapse chain at $d = 1000$ (power law $\\beta = 2$, source $r = 0.5$, $n = 3$ OLS generators "
            "of $T_0 = 2000$ samples, ridge $\\lambda = 10^{-3}$ on $T = 1500$ samples), predicted by the "
            "deterministic equivalents and simulated with the conditional estimator "
            f"({TRIALS} trials, whatever the report's budget).")


def plan(budget: Budget) -> SectionPlan:
    scenario = builtin("sections/large_dimension").scenario
    point = SimPoint(series="d=1000", x=float("nan"), label="$d=1000,\\ n=3$", scenario=scenario,
                     prediction=predict(scenario), trials=TRIALS)
    panel = Panel(title="d = 1000", xlabel="", ylabel="", points=(point,), kind="table")
    return SectionPlan(key="large_dimension", caption=_CAPTION, panels=(panel,))
