"""Report section: exponential collapse when the generators are over-parameterised (``T0 < d``)."""

from __future__ import annotations

import numpy as np

from modelcollapse.derivations.report.model import Budget, Curve, Panel, SectionPlan
from modelcollapse.derivations.report.sections.common import fmt, formula, sim_points, theory_curve
from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario

__all__ = ["plan"]


def plan(budget: Budget) -> SectionPlan:
    """``T0 < d``: the error climbs exponentially fast in ``n`` to the null predictor's, even at ``σ0 = 0``."""
    base: Scenario = builtin("overparam_generators").scenario
    grid = np.arange(0, 11)
    sim_ns = budget.pick((1, 3, 6), (1, 2, 3, 5, 8))
    g, dn = base.generators, base.downstream
    curves, points, limits = [], [], {}
    for s0 in (0.0, g.sigma0[0]):
        series = rf"$\sigma_0={fmt(s0)}$"
        make = lambda n, s0=s0: base.replace(n=int(n), sigma0=s0)
        curves.append(theory_curve(series, grid, make))
        points += sim_points(series, sim_ns, make, lambda n, s0=s0: rf"$n={int(n)},\ \sigma_0={fmt(s0)}$")
        # the chain's limit, from the theory itself: the (T0/d)^n terms are below 1e-18 at n = 60
        limits[s0] = predict(make(60)).test_error
        curves.append(Curve(series=rf"$\sigma_0={fmt(s0)}$, $n\to\infty$", x=(0.0, float(grid[-1])),
                            y=(limits[s0], limits[s0]), provenance=curves[-1].provenance, style=":", color_of=series))
    panel = Panel(
        title=rf"Isotropic, $d={base.d}$, $T_0={g.T0[0]}<d$, downstream OLS on $T={dn.T}$",
        xlabel=r"generations of synthetic data $n$", ylabel=r"test error $E_{\mathrm{test}}$",
        curves=tuple(curves), points=tuple(points),
    )
    caption = (
        rf"Over-parameterised generators: every generation interpolates $T_0={g.T0[0]}$ samples in $d={base.d}$ "
        rf"dimensions with the minimum-norm solution, which projects the previous model on a random "
        rf"$T_0$-dimensional subspace. The chain forgets the teacher exponentially fast, like "
        rf"$(T_0/d)^n = {fmt(g.T0[0] / base.d)}^n$: "
        rf"without generator noise ($\sigma_0=0$) the error climbs to that of the null predictor, "
        rf"$\lVert w_0\rVert_\Sigma^2$ plus the downstream variance; with noise it climbs higher: the chain's error is "
        rf"${formula('overparam_isotropic_chain')}$, plus the downstream variance (dotted lines: the theory at "
        rf"$n\to\infty$, where $\phi_0^{{-n}}\to 0$). Downstream: OLS on $T={dn.T}$ samples "
        rf"($\sigma={fmt(dn.sigma)}$). Lines: theory (exact for $\Sigma=I$); points: simulation."
    )
    return SectionPlan(key="overparam", caption=caption, panels=(panel,),
                       data={"limit_n_to_infinity": {f"{k:g}": v for k, v in limits.items()}, "base": base.to_dict()})
