"""Report section: the strong-collapse floor, test error against ``T`` for several synthetic shares ``p``."""

from __future__ import annotations

import numpy as np

from modelcollapse.derivations.report.model import Budget, Curve, Panel, SectionPlan
from modelcollapse.derivations.report.sections.common import fmt, formula, sim_points, theory_curve
from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.numerics.formulas import formula as evaluate
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario

__all__ = ["plan", "SHARES"]

SHARES = (0.05, 0.2, 0.5)  # synthetic shares p of the downstream's T rows


def plan(budget: Budget) -> SectionPlan:
    """OLS downstream on a mix of real and synthetic rows: exact lines, floors ``p² e_n`` as ``T → ∞``."""
    base: Scenario = builtin("mixing").scenario
    d = base.d
    grid = np.unique(np.geomspace(d + 4, 200 * d, 2 * budget.line_points).astype(int))
    sim_T = budget.pick((2 * d, 12 * d), (int(1.5 * d), 3 * d, 8 * d, 20 * d))
    chain_error = predict(base).parts["chain_error"]
    curves, points, floors = [], [], {}
    for p in SHARES:
        series = rf"$p={fmt(p)}$"
        make = lambda T, p=p: base.replace(T=int(T), downstream_real_fraction=round(1 - p, 12))
        curves.append(theory_curve(series, grid, make))
        points += sim_points(series, sim_T, make, lambda T, p=p: rf"$T={int(T)},\ p={fmt(p)}$")
        floors[p] = float(evaluate("mixing_floor_ols")(p, chain_error))
        curves.append(Curve(series=rf"floor $p^2 e_n$, $p={fmt(p)}$", x=(float(grid[0]), float(grid[-1])),
                            y=(floors[p], floors[p]), provenance="exact limit T -> infinity", style="--",
                            color_of=series))
    g = base.generators
    panel = Panel(
        title=(rf"Power law, $d={d}$; chain: replace, $n={g.n}$, $T_0={g.T0[0]}$, "
               rf"real fraction ${fmt(g.real_fraction[0])}$"),
        xlabel=r"downstream samples $T$", ylabel=r"test error $E_{\mathrm{test}}$",
        curves=tuple(curves), points=tuple(points), xscale="log", yscale="log",
    )
    caption = (
        rf"Strong model collapse: the downstream OLS trains on $T$ rows of which a share $p$ is synthetic (labelled "
        rf"by the last generator of a replace chain with real fraction ${fmt(g.real_fraction[0])}$ per block, chain "
        rf"error $e_n={fmt(chain_error)}$). Exact: ${formula('mixing_ols_test_error')}$ with "
        rf"${formula('mixing_factor')}$ ($m$ synthetic rows, rounded half up). As $T\to\infty$ at fixed $p$, "
        rf"${formula('mixing_factor_large_T')}$, so the error stops at the floor ${formula('mixing_floor_ols')}$ "
        rf"(dashed): more data does not remove a fixed synthetic share; the floor scales like $p^2$ and with the "
        rf"chain's error (linearly in $\sigma_0^2$). The lines are jagged at small $pT$ because $m$ is an integer."
    )
    return SectionPlan(key="mixing", caption=caption, panels=(panel,),
                       data={"base": base.to_dict(), "chain_error": chain_error,
                             "floors": {f"{p:g}": v for p, v in floors.items()}})
