"""Report section: fresh against reused design matrices (the paper's Figure 2, Theorem 4.5; THEORY.md §3.10).

The paper's setting, ``d = 300``, ``T0 = d/2``, ``σ0 = 0``, ``σ = 0.1`` (``derivations/scenarios/reused_design.toml``):
with fresh designs the minimum-norm chain forgets the teacher exponentially fast; with one reused
design the projection bias ``(1 − T0/d)‖w0‖²`` is paid once and stays. Both lines are exact
(``Σ = I``); the points are conditional simulations with a stated number of trials (a ``d = 300``
trial costs about 20 ms).
"""

from __future__ import annotations

import numpy as np

from modelcollapse.derivations.report.model import Budget, Panel, SectionPlan, SimPoint
from modelcollapse.derivations.report.sections.common import fmt, formula, theory_curve
from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario

__all__ = ["plan", "TRIALS"]

TRIALS = 30  # per point, whatever the budget: SE about 1.5% of the reused error (the design's spread), 0.6% fresh


def plan(budget: Budget) -> SectionPlan:
    """Fresh and reused designs against ``n``: exact lines, simulated and checked points."""
    base: Scenario = builtin("reused_design").scenario
    grid = np.arange(0, 11)
    sim_ns = budget.pick((1, 4), (1, 3, 6))
    g, dn, d = base.generators, base.downstream, base.d
    curves, points = [], []
    for design, series in (("fresh", "fresh designs (exact)"), ("reused", "one reused design (exact)")):
        make = lambda n, design=design: base.replace(n=int(n), design_matrix=design)
        curves.append(theory_curve(series, grid, make))
        for n in sim_ns:
            scenario = make(n)
            points.append(SimPoint(series=series, x=float(n), label=rf"$n={n}$, {design}", scenario=scenario,
                                   prediction=predict(scenario), trials=TRIALS))
    panel = Panel(
        title=rf"Isotropic, $d={d}$, $T_0={g.T0[0]}$, $\sigma_0={fmt(g.sigma0[0])}$, OLS downstream $T={dn.T}$",
        xlabel=r"generations of synthetic data $n$", ylabel=r"test error $E_{\mathrm{test}}$",
        curves=tuple(curves), points=tuple(points),
    )
    caption = (
        rf"Fresh against reused design matrices, the paper's Figure 2 setting ($d={d}$, $T_0=d/2={g.T0[0]}$, "
        rf"$\sigma_0={fmt(g.sigma0[0])}$; downstream OLS on $T={dn.T}$ fresh rows, $\sigma={fmt(dn.sigma)}$). Fresh "
        rf"designs: every minimum-norm generation projects on a new random subspace and the chain forgets the "
        rf"teacher exponentially fast, ${formula('overparam_isotropic_chain')}$. One reused design: every generation "
        rf"projects on the same row space ($X^+XX^+=X^+$), so the chain is one fresh generation with pooled noise "
        rf"${formula('reused_pooled_noise')}$ and its error ${formula('reused_overparam_isotropic_chain')}$ — the "
        rf"projection bias ${formula('reused_projection_bias')}$ is paid once, constant in $n$. Lines: theory "
        rf"(exact, $\Sigma=I$); points: conditional simulation, {TRIALS} trials each, $\pm 2$ SE."
    )
    return SectionPlan(key="reused_design", caption=caption, panels=(panel,), data={"base": base.to_dict()})
