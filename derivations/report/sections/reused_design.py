"""Report section: fresh against reused design matrices (the paper's Figure 2, Theorem 4.5; THEORY.md §3.10).

A second panel puts ridge generators on both (Σ = I, d = 100): the reused chain is a power of one matrix.

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
    # ridge generators on Σ = I (d = 100): powers of one resolvent ratio against products of independent ones
    ridge_base = Scenario.from_dict({"spectrum": {"kind": "isotropic", "d": 100}, "teacher": {"kind": "isotropic"},
                                     "generators": {"n": 1, "T0": 50, "sigma0": 0.2, "ridge": 0.05},
                                     "downstream": {"T": 200, "sigma": 0.1, "ridge": 0.0}})
    ridge_curves, ridge_points = [], []
    for design, series in (("fresh", "fresh designs, ridge"), ("reused", "one reused design, ridge")):
        make = lambda n, design=design: ridge_base.replace(n=int(n), design_matrix=design)  # noqa: E731
        ridge_curves.append(theory_curve(series, grid, make))
        for n in sim_ns:
            scenario = make(n)
            ridge_points.append(SimPoint(series=series, x=float(n), label=rf"$n={n}$, {design}, ridge",
                                         scenario=scenario, prediction=predict(scenario), trials=TRIALS))
    rg = ridge_base.generators
    ridge_panel = Panel(
        title=rf"Ridge generators $\lambda_0={fmt(rg.ridge[0])}$, $d={ridge_base.d}$, $T_0={rg.T0[0]}$, "
              rf"$\sigma_0={fmt(rg.sigma0[0])}$, OLS downstream $T={ridge_base.T}$",
        xlabel=r"generations of synthetic data $n$", ylabel=r"test error $E_{\mathrm{test}}$",
        curves=tuple(ridge_curves), points=tuple(ridge_points),
    )
    caption = (
        rf"Fresh against reused design matrices, the paper's Figure 2 setting ($d={d}$, $T_0=d/2={g.T0[0]}$, "
        rf"$\sigma_0={fmt(g.sigma0[0])}$; downstream OLS on $T={dn.T}$ fresh rows, $\sigma={fmt(dn.sigma)}$). Fresh "
        rf"designs: every minimum-norm generation projects on a new random subspace and the chain forgets the "
        rf"teacher exponentially fast, ${formula('overparam_isotropic_chain')}$. One reused design: every generation "
        rf"projects on the same row space ($X^+XX^+=X^+$), so the chain is one fresh generation with pooled noise "
        rf"${formula('reused_pooled_noise')}$ and its error ${formula('reused_overparam_isotropic_chain')}$ — the "
        rf"projection bias ${formula('reused_projection_bias')}$ is paid once, constant in $n$. Lines: theory "
        rf"(exact, $\Sigma=I$); points: conditional simulation, {TRIALS} trials each, $\pm 2$ SE. Right: ridge "
        rf"generators ($\lambda_0={fmt(rg.ridge[0])}$, $d={ridge_base.d}$, $T_0={rg.T0[0]}$, "
        rf"$\sigma_0={fmt(rg.sigma0[0])}$). Fresh designs multiply independent shrinkages (the finite-size corrected "
        rf"chain of THEORY.md 3.8); one reused design applies the same matrix $n$ times, "
        rf"${formula('reused_spectral_shrink')}$, whose spectral statistics are Marchenko--Pastur integrals with "
        rf"their $1/d$ mean correction (${formula('reused_linear_statistic')}$)."
    )
    return SectionPlan(key="reused_design", caption=caption, panels=(panel, ridge_panel),
                       data={"base": base.to_dict(), "ridge_base": ridge_base.to_dict()})
