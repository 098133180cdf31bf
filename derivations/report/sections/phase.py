"""Report section: scaling-law phase diagrams over the ridge and source exponents."""

from __future__ import annotations

import numpy as np

from modelcollapse.derivations.report.model import Budget, Panel, SectionPlan
from modelcollapse.derivations.report.sections.common import fmt, formula
from modelcollapse.derivations.scenario_files import builtin
from modelcollapse.numerics.scaling import phase_diagram, scaling_exponents

__all__ = ["plan"]


def plan(budget: Budget) -> SectionPlan:
    """Phase diagrams over ``(ℓ, r)``: the error's exponent and its dominant term, clean against synthetic.

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
        best = "rate_collapse" if synthetic else "rate_clean"
        rate_at_opt = {f"{r:g}": scaling_exponents(beta, r, a, noiseless=True)[best]
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
        rf"Clean data allow the fast rate ${formula('scaling_rate_clean_noiseless')}$ at "
        rf"$\ell\ge\beta$; with $n\ge1$ generations of synthetic data the best rate drops to "
        rf"${formula('scaling_rate_collapse')}$ at ${formula('scaling_ell_opt')}$ "
        rf"(the fast-to-slow crossover), and the ridge must not go to zero."
    )
    return SectionPlan(key="phase", caption=caption, panels=tuple(panels), data={"beta": beta, "diagrams": data})
