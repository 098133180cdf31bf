"""Report section: kernel ridge regression on real data (the digits), and universality of the designs.

The paper's real-data experiment in kind (THEORY.md section 3.8): an rbf kernel on handwritten digits,
the theory fed with the kernel's empirical spectrum (lines), the real chain on the actual digits
and the Gaussian surrogate of the same spectrum (points with error bars). The checks run at a
ridge where universality holds (``λ0 = λ = 1e-2``); the small-ridge gap (``λ = 1e-3``, clean data),
where the real digits leave the theory, is measured and stated in the caption, not checked.
"""

from __future__ import annotations

import numpy as np

from modelcollapse.derivations.provenance import provenance_text
from modelcollapse.derivations.report.model import Budget, Curve, Panel, SectionPlan
from modelcollapse.derivations.report.sections.common import fmt, sim_points, theory_curve
from modelcollapse.numerics.predict import predict
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.simulate import simulate

__all__ = ["plan", "digits_scenario"]

_SPECTRUM = {"kind": "kernel", "dataset": "digits", "kernel": "rbf", "gamma": 1e-3, "points": 400, "seed": 0}
_DESIGNS = (("real", "real digits"), ("gaussian", "Gaussian surrogate"))


def digits_scenario(*, n: int, T0: int = 200, T: int = 200, ridge0: float = 1e-2, ridge: float = 1e-2,
                    design: str = "real") -> Scenario:
    """Kernel ridge on 400 digits (rbf, γ = 1e-3 on raw pixels), parity target, σ0 = σ = 0.5."""
    gen = {"n": n, "T0": T0, "sigma0": 0.5, "ridge": ridge0} if n else {"n": 0}
    return Scenario.from_dict({"spectrum": {**_SPECTRUM, "design": design},
                               "teacher": {"kind": "labels", "target": "parity"},
                               "generators": gen, "downstream": {"T": T, "sigma": 0.5, "ridge": ridge}})


def _universality_scenario(design: str, df=None) -> Scenario:
    spec = {"kind": "power_law", "d": 100, "beta": 1.5, "design": design, **({"df": df} if df else {})}
    return Scenario.from_dict({"spectrum": spec, "teacher": {"kind": "source", "r": 0.5},
                               "generators": {"n": 2, "T0": 50, "sigma0": 0.5, "ridge": 1e-2},
                               "downstream": {"T": 100, "sigma": 0.5, "ridge": 1e-2}})


def _small_ridge_gap(budget: Budget) -> dict:
    """Real digits vs theory at λ = 1e-3, clean data: a stated measurement (not a check)."""
    sc = digits_scenario(n=0, ridge=1e-3)
    theory = float(predict(sc).test_error)
    sim = simulate(sc, trials=max(200, budget.trials), seed=314)  # a stated number: SE about 0.6%
    return {"ridge": 1e-3, "n": 0, "theory": theory, "real_mean": sim.mean, "real_stderr": sim.stderr,
            "relative_gap": sim.mean / theory - 1}


def plan(budget: Budget) -> SectionPlan:
    """Test error against ``n`` on the digits (theory, real chain, surrogate); designs at one spectrum."""
    grid = np.arange(0, 7)
    sim_ns = budget.pick((0, 2), (0, 1, 2, 3, 4, 6))
    base = digits_scenario(n=0)
    outside = base.teacher.outside_fraction(base.spectrum)
    setting = rf"{base.spectrum.points} digits, $T_0=T=200$, $\lambda_0=\lambda=0.01$"
    panels = []
    for design, name in _DESIGNS:  # one panel per design: the same theory line, its own simulated points
        make = lambda n, design=design: digits_scenario(n=int(n), design=design)  # noqa: E731
        series = "theory (empirical spectrum)"
        panels.append(Panel(title=f"{name}: {setting}", xlabel=r"generations of synthetic data $n$",
                            ylabel=r"test error $E_{\mathrm{test}}$", curves=(theory_curve(series, grid, make),),
                            points=sim_points(series, sim_ns, make, lambda n, name=name: rf"{name}, $n={int(n)}$"),
                            legend="inside"))
    if not budget.quick:  # the real chain against T at n = 2
        T_grid = np.array([50, 80, 120, 200, 300, 400, 600])
        make = lambda T: digits_scenario(n=2, T=int(T))  # noqa: E731
        series = "theory (empirical spectrum)"
        panels.append(Panel(title=r"real digits at $n=2$ against the downstream sample size",
                            xlabel=r"downstream samples $T$", ylabel=r"test error $E_{\mathrm{test}}$",
                            xscale="log", legend="inside", curves=(theory_curve(series, T_grid, make),),
                            points=sim_points(series, (80, 200, 600), make,
                                              lambda T: rf"real digits, $n=2,\ T={int(T)}$")))
    univ = [("rademacher", None, "Rademacher", 1.0), ("gaussian", None, "Gaussian", 3.0),
            ("student_t", 5, "Student-t(5)", 9.0)]  # (design, df, name, E z⁴)
    theory_univ = float(predict(_universality_scenario("gaussian")).test_error)
    univ_points = tuple(pt for design, df, name, kurt in univ for pt in sim_points(
        "theory (any design)", (kurt,), lambda k, design=design, df=df: _universality_scenario(design, df),
        lambda k, name=name: f"{name} design"))
    provenance = univ_points[0].prediction
    panels.append(Panel(title=r"universality: power law $\beta=1.5$, $d=100$, $T_0=50$, $n=2$",
                        xlabel=r"fourth moment $\mathbb{E}z^4$ of the design (Rademacher 1, Gaussian 3, t(5) 9)",
                        ylabel=r"test error $E_{\mathrm{test}}$", legend="inside",
                        curves=(Curve(series="theory (any design)", x=(0.5, 9.5), y=(theory_univ, theory_univ),
                                      provenance=provenance_text(provenance)),),
                        points=univ_points))
    gap = _small_ridge_gap(budget)
    caption = (
        rf"Kernel ridge regression on real data: an rbf kernel ($\gamma=10^{{-3}}$ on the raw pixels) on "
        rf"{base.spectrum.points} handwritten digits (scikit-learn), the digit's parity as the $\pm 1$ target "
        rf"({fmt(outside)} of it outside the kernel's numerically non-zero spectrum of $d={base.d}$ eigenvalues). "
        rf"Every generation fits kernel ridge (KernelRidge(alpha $=T_0\lambda_0$)) on $T_0$ points drawn with "
        rf"replacement, labelled by the previous generator plus noise ($\sigma_0=0.5$). Lines: the theory fed with "
        rf"the eigenvalues of $K/N$ and the target's coefficients (THEORY.md section 3.8); points: the real chain on "
        rf"the actual digits (left) and the Gaussian surrogate, Gaussian features with the same spectrum (middle). "
        rf"The checks run at $\lambda_0=\lambda=10^{{-2}}$, where universality holds for these data (the table "
        rf"gives the measured gaps); at a small ridge it does not: with $\lambda=10^{{-3}}$ and clean data the real "
        rf"digits give {gap['real_mean']:.4g} $\pm$ {gap['real_stderr']:.2g} against the theory's {gap['theory']:.4g} "
        rf"(${100 * gap['relative_gap']:+.1f}\%$; a measurement, not a check). With 1000 digits and $T=400$ the gap is "
        rf"$+4.7\%$ while the Gaussian surrogate of the same spectrum is within $0.3\%$ of the theory, and it closes "
        rf"as collapse dominates (below $0.5\%$ by $n=5$; THEORY.md section 3.8). "
        rf"Right: one synthetic scenario simulated with Rademacher, Gaussian and Student-t(5) features of the same "
        rf"spectrum; the theory does not depend on the design, the simulations order with the fourth moment "
        rf"(the gap shrinks like $1/d$)."
    )
    return SectionPlan(key="kernel", caption=caption, panels=tuple(panels),
                       data={"small_ridge_gap": gap, "outside_fraction": outside, "spectrum": _SPECTRUM})
