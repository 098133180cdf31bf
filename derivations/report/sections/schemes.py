"""Report section: test error against ``n`` for the three data schemes (THEORY.md §3.7).

Replace grows linearly, accumulate stays bounded (exact), accumulate-subsample lies in between (our
operator-valued deterministic equivalent, :mod:`modelcollapse.theory.pool_chain`). Every scheme is a
theory line with simulated, checked points.
"""

from __future__ import annotations

import numpy as np

from modelcollapse.derivations.report.model import Budget, Curve, Panel, SectionPlan
from modelcollapse.derivations.report.sections.common import fmt, formula, sim_points, theory_curve
from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.numerics.formulas import formula as evaluate
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario

__all__ = ["plan"]


def plan(budget: Budget) -> SectionPlan:
    """Replace, accumulate and accumulate-subsample against ``n``: lines and checked points."""
    base: Scenario = builtin("accumulate").scenario.replace(ridge=0.0)  # OLS downstream: every line exact
    grid = np.arange(0, 11)
    sim_ns = budget.pick((2, 5, 8), (1, 2, 4, 6, 8, 10))
    g, dn, d = base.generators, base.downstream, base.d
    curves, points = [], []
    for scheme, series in (("replace", "replace (exact)"), ("accumulate", "accumulate (exact)"),
                           ("accumulate-subsample", "accumulate-subsample (deterministic equivalent)")):
        make = lambda n, scheme=scheme: base.replace(n=int(n), scheme=scheme)
        curves.append(theory_curve(series, grid, make))
        points += sim_points(series, sim_ns, make, lambda n, scheme=scheme: rf"$n={int(n)}$, {scheme}")
    clean = predict(base.replace(n=0)).test_error
    limit = clean + float(evaluate("accumulate_chain_limit")(g.sigma0[0], g.T0[0], d))
    curves.append(Curve(series=r"accumulate, $n\to\infty$", x=(0.0, float(grid[-1])), y=(limit, limit),
                        provenance="exact", style="--", color_of="accumulate (exact)"))
    panel = Panel(
        title=rf"Power law $\beta={fmt(base.spectrum.beta)}$, $d={d}$, $T_0={g.T0[0]}$, OLS downstream $T={dn.T}$",
        xlabel=r"generations of synthetic data $n$", ylabel=r"test error $E_{\mathrm{test}}$",
        curves=tuple(curves), points=tuple(points),
    )
    caption = (
        rf"Three ways of using synthetic data ($d={d}$, blocks of $T_0={g.T0[0]}$, $\sigma_0={fmt(g.sigma0[0])}$, "
        rf"OLS downstream on $T={dn.T}$, $\sigma={fmt(dn.sigma)}$). Replace (the paper's chain) grows linearly, "
        rf"${formula('replace_chain_equal_blocks')}$. Accumulate keeps every block: exact "
        rf"${formula('accumulate_chain_equal_blocks')}$, bounded by ${formula('accumulate_chain_limit')}$ (dashed; "
        rf"$\approx (\pi^2/6)\sigma_0^2 d/T_0$ for $d\ll T_0$). Accumulate-subsample (fit $T_0$ rows drawn from the "
        rf"pool) lies in between: no closed form is known; the line is our operator-valued deterministic "
        rf"equivalent of the chain of pooled OLS fits with finite-size source weights (THEORY.md 3.7), which "
        rf"reproduces the two exact lines."
    )
    return SectionPlan(key="schemes", caption=caption, panels=(panel,),
                       data={"base": base.to_dict(), "accumulate_limit": limit})
