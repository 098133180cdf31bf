"""Report section: test error against the downstream ridge, for several numbers of generations."""

from __future__ import annotations

import numpy as np

from modelcollapse.derivations.report.model import Budget, Panel, SectionPlan
from modelcollapse.derivations.report.sections.common import fmt, sim_points, theory_curve
from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.numerics.scenario import Scenario

__all__ = ["plan"]


def plan(budget: Budget) -> SectionPlan:
    """Test error against the ridge for several ``n`` (isotropic): U-shaped, optimum moving right."""
    base: Scenario = builtin("isotropic_ridge").scenario
    ns = (0, 2, 5, 10)
    grid = np.logspace(-3, 1.5, budget.line_points)
    sim_ridges = budget.pick((0.003, 0.1, 3.0), (0.001, 0.03, 0.2, 0.7, 10.0))
    sim_ns = budget.pick((0, 5), ns)  # the chains of n = 10 dominate the cost of a quick run
    curves, points = [], []
    for n in ns:
        series = f"$n={n}$"
        make = lambda lam, n=n: base.replace(n=n, ridge=float(lam))
        curves.append(theory_curve(series, grid, make, mark_minimum=True))
        if n in sim_ns:
            points += sim_points(series, sim_ridges, make, lambda lam, n=n: rf"$n={n},\ \lambda={fmt(lam)}$")
    g, dn = base.generators, base.downstream
    panel = Panel(
        title=rf"Isotropic $\Sigma=I$, $d={base.d}$, $T={dn.T}$, $T_0={g.T0[0]}$",
        xlabel=r"ridge $\lambda$", ylabel=r"test error $E_{\mathrm{test}}$",
        curves=tuple(curves), points=tuple(points), xscale="log", yscale="log",
    )
    caption = (
        rf"Test error against the downstream ridge $\lambda$ after $n$ generations of synthetic data "
        rf"(isotropic features, $d={base.d}$, $T={dn.T}$, $T_0={g.T0[0]}$, $\sigma={fmt(dn.sigma)}$, "
        rf"$\sigma_0={fmt(g.sigma0[0])}$, $\lVert w_0\rVert^2=1$). Lines: deterministic equivalent; points: "
        rf"simulation (mean $\pm$ 2 SE). Diamonds mark each curve's minimum: the generator noise acts "
        rf"like extra label noise, so the optimal ridge grows with $n$ and a small ridge suffers most."
    )
    return SectionPlan(key="ridge", caption=caption, panels=(panel,),
                       data={"n": list(ns), "base": base.to_dict()})
