"""Report section: test error against the number of generations (exact OLS, ridge)."""

from __future__ import annotations

import numpy as np

from modelcollapse.derivations.report.model import Budget, Panel, SectionPlan
from modelcollapse.derivations.report.sections.common import fmt, formula, sim_points, theory_curve
from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.numerics.scenario import Scenario

__all__ = ["plan"]


def plan(budget: Budget) -> SectionPlan:
    """Test error against ``n``: exact linear growth for OLS, slower growth with a ridge."""
    base: Scenario = builtin("isotropic_ols").scenario
    ridge = 0.3
    grid = np.arange(0, 11)
    sim_ns = budget.pick((0, 3, 6), (0, 2, 4, 6, 8, 10))
    curves, points = [], []
    for lam, series in ((0.0, r"OLS $\lambda=0$ (exact)"), (ridge, rf"ridge $\lambda={fmt(ridge)}$ (det. equiv.)")):
        make = lambda n, lam=lam: base.replace(n=int(n), ridge=lam)
        curves.append(theory_curve(series, grid, make))
        points += sim_points(series, sim_ns, make, lambda n, lam=lam: rf"$n={int(n)},\ \lambda={fmt(lam)}$")
    g, dn = base.generators, base.downstream
    panel = Panel(
        title=rf"Isotropic $\Sigma=I$, $d={base.d}$, $T={dn.T}$, $T_0={g.T0[0]}$",
        xlabel=r"generations of synthetic data $n$", ylabel=r"test error $E_{\mathrm{test}}$",
        curves=tuple(curves), points=tuple(points),
    )
    caption = (
        rf"Test error against the number $n$ of synthetic generations (isotropic features, $d={base.d}$, "
        rf"$T={dn.T}$, $T_0={g.T0[0]}$, $\sigma={fmt(dn.sigma)}$, $\sigma_0={fmt(g.sigma0[0])}$). For OLS the exact "
        rf"finite-sample result ${formula('ols_exact')}$ grows linearly in $n$; a ridge $\lambda={fmt(ridge)}$ "
        rf"shrinks the collapse term ${formula('collapse_term')}$ (its slope in $n$ is $\sigma_0^2\rho$, below the "
        rf"OLS slope $\sigma_0^2\lim_{{\lambda\to 0}}\rho$, ${formula('rho_limit_ridgeless')}$) at the price of a "
        rf"bias at $n=0$."
    )
    return SectionPlan(key="generations", caption=caption,
                       panels=(panel,), data={"ridge": ridge, "base": base.to_dict()})
