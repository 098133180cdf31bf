"""The report's sections (d)–(f): over-parameterised generators, phase diagram, optimal ridge.

They use ``predict`` for ``T0 < d``, :mod:`modelcollapse.theory.scaling` and
:mod:`modelcollapse.numerics.optimize`; a computation that cannot be done (a ``ModelCollapseError``)
makes the section *unavailable* with its message in the report, never a crash.
"""

from __future__ import annotations

import numpy as np

from modelcollapse.derivations.report_model import Budget, Curve, Panel, SectionPlan
from modelcollapse.derivations.report_sections import fmt, sim_points, theory_curve
from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.numerics.optimize import optimal_ridge as _optimal
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.scaling import phase_diagram, scaling_exponents

__all__ = ["plan_overparam", "plan_phase", "plan_optimal_ridge", "optimal_ridge"]


def plan_overparam(budget: Budget) -> SectionPlan:
    """(d) ``T0 < d``: the error climbs exponentially fast in ``n`` to the null predictor's, even at ``σ0 = 0``."""
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
        rf"$T_0$-dimensional subspace. The chain forgets the teacher exponentially fast, like $(T_0/d)^n = {fmt(g.T0[0] / base.d)}^n$: "
        rf"without generator noise ($\sigma_0=0$) the error climbs to that of the null predictor, "
        rf"$\lVert w_0\rVert_\Sigma^2$ plus the downstream variance; with noise it climbs higher, to "
        rf"$\lVert w_0\rVert_\Sigma^2 + \sigma_0^2 \frac{{T_0}}{{d-T_0-1}}\frac{{1}}{{1-T_0/d}}$ plus the downstream "
        rf"variance (dotted lines: the theory at $n\to\infty$). Downstream: OLS on $T={dn.T}$ samples "
        rf"($\sigma={fmt(dn.sigma)}$). Lines: theory (exact for $\Sigma=I$); points: simulation."
    )
    return SectionPlan(key="overparam", caption=caption, panels=(panel,),
                       data={"limit_n_to_infinity": {f"{k:g}": v for k, v in limits.items()}, "base": base.to_dict()})


def plan_phase(budget: Budget) -> SectionPlan:
    """(e) Phase diagrams over ``(ℓ, r)``: the error's exponent and its dominant term, clean against synthetic.

    Data from :func:`modelcollapse.theory.scaling.phase_diagram` (asymptotic exponents, ``d = ∞``);
    noiseless labels (``σ = 0``) so that the change of rate is due to the synthetic data alone.
    """
    beta = builtin("powerlaw_scaling").scenario.spectrum.beta
    steps = (81, 65) if budget.quick else (121, 97)
    ells, rs = np.linspace(0.0, 1.25 * beta, steps[0]), np.linspace(0.05, 2.0, steps[1])
    cases = (("clean data ($n=0$)", 1.0, False), ("synthetic, $T_0\\propto T$ ($a=1$)", 1.0, True),
             ("synthetic, $T_0\\propto T^{1/2}$ ($a=1/2$)", 0.5, True))
    panels, data = [], []
    for title, a, synthetic in cases:
        pd = phase_diagram(beta, a, noisy=False, synthetic=synthetic, ells=ells, rs=rs)
        rate_at_opt = {f"{r:g}": scaling_exponents(beta, r, a, noiseless=True)["rate_collapse" if synthetic else "rate_clean"]
                       for r in (0.25, 0.5, 1.0)}
        image = {"x": pd.ell.tolist(), "y": pd.r.tolist(), "values": pd.rate.tolist(), "regime": pd.dominant.tolist(),
                 "labels": list(pd.labels), "boundary": pd.boundary.tolist(), "beta": beta}
        panels.append(Panel(title=title, xlabel=r"ridge exponent $\ell$ in $\lambda=T^{-\ell}$",
                            ylabel=r"source exponent $r$", kind="phase", image=image))
        data.append({"title": title, "a": a, "synthetic": synthetic, "ell": pd.ell.tolist(), "r": pd.r.tolist(),
                     "rate": pd.rate.tolist(), "dominant": pd.dominant.tolist(), "labels": list(pd.labels),
                     "optimal_ell": pd.boundary.tolist(), "best_rate_at_r": rate_at_opt})
    caption = (
        rf"Scaling-law phase diagrams (asymptotic exponents, $d=\infty$, noiseless labels $\sigma=0$) for "
        rf"$\lambda_j=j^{{-\beta}}$, $\beta={fmt(beta)}$: colour and contours give the exponent $c$ of "
        rf"$E_{{\mathrm{{test}}}}\asymp T^{{-c}}$ when the ridge is $\lambda=T^{{-\ell}}$ and the teacher has source "
        rf"exponent $r$; the white line is the best $\ell$ (the border between the bias phase and the collapse phase), "
        rf"the dotted line $\ell=\beta$ the ridgeless limit; in the dark red region $c<0$, the error grows with $T$. "
        rf"Clean data allow the fast rate $2\beta\min(r,1)$ at "
        rf"$\ell\ge\beta$; with $n\ge1$ generations of synthetic data the best rate drops to "
        rf"$\min(a,1)\,2\beta r'/(1+2\beta r')$ at $\ell^*=\min(a,1)\,\beta/(1+2\beta r')$, $r'=\min(r,1)$ "
        rf"(the fast-to-slow crossover), and the ridge must not go to zero."
    )
    return SectionPlan(key="phase", caption=caption, panels=tuple(panels), data={"beta": beta, "diagrams": data})


def optimal_ridge(scenario: Scenario) -> tuple[float, float, str]:
    """``(λ*, E_test(λ*), source)`` from :func:`modelcollapse.numerics.optimize.optimal_ridge`."""
    opt = _optimal(scenario)
    return float(opt.ridge), float(opt.test_error), "numerics.optimize.optimal_ridge"


def plan_optimal_ridge(budget: Budget) -> SectionPlan:
    """(f) The optimal ridge grows with ``n``; tuning it keeps the error far below OLS and a fixed ridge."""
    base: Scenario = builtin("isotropic_ridge").scenario
    ns = np.arange(0, 11)
    sim_ns = budget.pick((0, 5), (0, 2, 5, 10))
    optimum = {int(n): optimal_ridge(base.replace(n=int(n))) for n in ns}
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
