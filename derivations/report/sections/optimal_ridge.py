"""Report section: the optimal ridge against the number of generations."""

from __future__ import annotations

import numpy as np

from modelcollapse.derivations.report.model import Budget, Curve, Panel, SectionPlan
from modelcollapse.derivations.report.sections.common import fmt, sim_points, theory_curve
from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.numerics.optimize import optimal_ridge
from modelcollapse.numerics.scenario import Scenario

__all__ = ["plan"]


def _optimal_ridge(scenario: Scenario) -> tuple[float, float, str]:
    """``(λ*, E_test(λ*), source)`` from :func:`modelcollapse.numerics.optimize.optimal_ridge`."""
    opt = optimal_ridge(scenario)
    return float(opt.ridge), float(opt.test_error), "numerics.optimize.optimal_ridge"


def plan(budget: Budget) -> SectionPlan:
    """The optimal ridge grows with ``n``; tuning it keeps the error far below OLS and a fixed ridge."""
    base: Scenario = builtin("isotropic_ridge").scenario
    ns = np.arange(0, 11)
    sim_ns = budget.pick((0, 5), (0, 2, 5, 10))
    optimum = {int(n): _optimal_ridge(base.replace(n=int(n))) for n in ns}
    source = optimum[0][2]
    lam_star = [optimum[int(n)][0] for n in ns]
    err_star = [optimum[int(n)][1] for n in ns]
    fixed = lam_star[0]
    tuned = r"optimal ridge $\lambda^*(n)$"
    make = lambda n: base.replace(n=int(n), ridge=optimum[int(n)][0])
    error_curves = (
        Curve(series=tuned, x=tuple(map(float, ns)), y=tuple(err_star), provenance="deterministic equivalent"),
        theory_curve(rf"fixed $\lambda=\lambda^*(0)={fmt(fixed)}$", ns, lambda n: base.replace(n=int(n), ridge=fixed),
                     style="--"),
        theory_curve(r"OLS $\lambda=0$ (exact)", ns, lambda n: base.replace(n=int(n), ridge=0.0), style=":"),
    )
    points = sim_points(tuned, sim_ns, make, lambda n: rf"$n={int(n)},\ \lambda^*={fmt(optimum[int(n)][0])}$")
    g, dn = base.generators, base.downstream
    panels = (
        Panel(title=r"optimal ridge", xlabel=r"generations $n$", ylabel=r"$\lambda^*$ minimising $E_{\mathrm{test}}$",
              curves=(Curve(series=tuned, x=tuple(map(float, ns)), y=tuple(lam_star), provenance=source),),
              legend="inside"),
        Panel(title=r"test error", xlabel=r"generations $n$", ylabel=r"test error $E_{\mathrm{test}}$",
              curves=error_curves, points=points, legend="inside"),
    )
    caption = (
        rf"Adaptive regularisation (isotropic, $d={base.d}$, $T={dn.T}$, $T_0={g.T0[0]}$, $\sigma={fmt(dn.sigma)}$, "
        rf"$\sigma_0={fmt(g.sigma0[0])}$). Left: the ridge $\lambda^*$ minimising the predicted test error grows "
        rf"with the number $n$ of synthetic generations. Right: the error at $\lambda^*(n)$ (simulated points at "
        rf"$\lambda^*(n)$), against keeping the clean optimum $\lambda^*(0)$ and against OLS."
    )
    return SectionPlan(key="optimal_ridge", caption=caption,
                       panels=panels, data={"n": ns.tolist(), "ridge": lam_star, "test_error": err_star,
                                            "source": source, "base": base.to_dict()})
