"""The optimal ridge, its asymptotic law, and adaptive regularisation (THEORY.md §3.6, paper §5).

* :func:`optimal_ridge` minimises the predicted test error of a scenario (the deterministic
  equivalent of :func:`~modelcollapse.numerics.predict.predict`) over ``λ > 0``: a coarse scan in
  ``u = log λ`` brackets the minimum, then Brent's method (golden section + parabolic steps, written
  once for float64 and mpmath numbers) refines it with an absolute tolerance in ``u``, i.e. a
  *relative* tolerance in ``λ`` (``sqrt(eps)``: the error is quadratic at its minimum).
* :func:`asymptotic_optimal_ridge` evaluates the law of :func:`modelcollapse.theory.scaling.optimal_kappa`,
  ``λ* ≈ κ* = (σ_eff² C_2/(2rβ C_B T))^(β/(1+2βr))`` (power law, source teacher, ``0 < r < 1``).
* :func:`scaling_curves` gives bias, variance and collapse term on an infinite power-law spectrum
  along ``λ = T^(−ℓ)``, ``T0 = τ T^a``, ``d = φ0 T0`` (the model of theory/scaling.py), vectorised in ``T``.
* :func:`ridge_strategies` compares, as a function of ``n``: (a) the ridge tuned on clean data, (b)
  ``λ → 0``, (c) the adaptive rule ``λ_n = λ_0 (σ_eff,n²/σ_eff,0²)^(ℓ_crit)`` and (d) the optimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend, backend_for
from modelcollapse.numerics.errors import FixedPointError, NotCoveredError, ScenarioError
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.infinite import PowerLawSums
from modelcollapse.numerics.predict import Prediction, predict
from modelcollapse.numerics.scaling import exponent_value
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.theory import scaling as law

__all__ = [
    "OptimalRidge", "optimal_ridge", "asymptotic_optimal_ridge", "effective_noise", "ScalingCurves",
    "scaling_curves", "RidgeComparison", "ridge_strategies", "brent_minimize",
]

_GOLD = (3 - math.sqrt(5)) / 2  # 0.381966...
_SCAN_PER_DECADE = 2


@dataclass(frozen=True, kw_only=True)
class OptimalRidge:
    """The ridge minimising a scenario's predicted test error.

    Attributes
    ----------
    ridge, test_error : float
        ``λ*`` and the predicted error there (``ridge = 0`` when the error decreases all the way to
        the ridgeless limit).
    prediction : Prediction
        The full prediction at ``λ*``.
    evaluations : int
        Number of predictions made.
    tolerance : float
        Relative tolerance on ``λ*`` (``sqrt(eps)`` of the backend).
    asymptotic_ridge : float or None
        The asymptotic law's ``λ*`` (power law, source teacher, ``0 < r < 1``), else ``None``.
    precision : str
    digits : dict
        With ``precision``: ``ridge`` and ``test_error`` with all digits.
    provenance : str
    """

    ridge: float
    test_error: float
    prediction: Prediction
    evaluations: int
    tolerance: float
    asymptotic_ridge: float | None
    precision: str
    digits: dict = field(default_factory=dict)
    provenance: str = "minimum over λ of the deterministic equivalent"

    def to_dict(self) -> dict:
        out = {"ridge": self.ridge, "test_error": self.test_error, "evaluations": self.evaluations,
               "tolerance": self.tolerance, "asymptotic_ridge": self.asymptotic_ridge,
               "precision": self.precision, "provenance": self.provenance,
               "kappa": self.prediction.kappa, "clean_error": self.prediction.clean_error,
               "collapse": self.prediction.collapse}
        if self.digits:
            out["digits"] = dict(self.digits)
        return out


def brent_minimize(f, a, b, c, fb, *, tol, max_iter: int = 500):
    """Brent's minimisation of ``f`` on the bracket ``a < b < c`` with ``f(b) <= f(a), f(c)``.

    Works on float64 or mpmath numbers alike; ``tol`` is absolute in the variable. Returns
    ``(x, f(x), evaluations)``. Source: R. P. Brent, *Algorithms for Minimization without
    Derivatives* (1973), ch. 5.
    """
    x = w = v = b
    fx = fw = fv = fb
    lo, hi = a, c
    e = d = b - b
    evals = 0
    for _ in range(max_iter):
        mid = (lo + hi) / 2
        tol1 = tol + abs(x) * 0
        tol2 = 2 * tol1
        if abs(x - mid) <= tol2 - (hi - lo) / 2:
            return x, fx, evals
        parabolic = False
        if abs(e) > tol1:
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = 2 * (q - r)
            if q > 0:
                p = -p
            q = abs(q)
            if abs(p) < abs(q * e / 2) and p > q * (lo - x) and p < q * (hi - x):
                e, d = d, p / q
                u = x + d
                if u - lo < tol2 or hi - u < tol2:
                    d = tol1 if mid >= x else -tol1
                parabolic = True
        if not parabolic:
            e = (hi - x) if x < mid else (lo - x)
            d = _GOLD * e
        u = x + (d if abs(d) >= tol1 else (tol1 if d > 0 else -tol1))
        fu = f(u)
        evals += 1
        if fu <= fx:
            if u < x:
                hi = x
            else:
                lo = x
            v, w, x = w, x, u
            fv, fw, fx = fw, fx, fu
        else:
            if u < x:
                lo = u
            else:
                hi = u
            if fu <= fw or w == x:
                v, w = w, u
                fv, fw = fw, fu
            elif fu <= fv or v == x or v == w:
                v, fv = u, fu
    raise FixedPointError("Brent minimisation did not converge", residual=float(abs(hi - lo)), iterations=max_iter)


def _error(scenario: Scenario, ridge, precision, b: Backend):
    """Predicted test error at ``ridge`` as a backend number (all digits on mpmath), and the prediction.

    The scenario stores the ridge as a float64, so ``λ`` itself has float64 resolution at any
    precision; the error is then computed with all the backend's digits.
    """
    p = predict(scenario.replace(ridge=float(ridge)), precision, monte_carlo=False)
    return b.exact(p.test_error, p.digits, "test_error"), p


def _scan_error(scenario: Scenario, ridge: float) -> float:
    """Predicted test error at ``ridge``; ``inf`` where the 1/d-corrected prediction is refused (THEORY.md 3.9)."""
    try:
        return predict(scenario.replace(ridge=ridge), monte_carlo=False).test_error
    except NotCoveredError:
        return math.inf


def optimal_ridge(scenario: Scenario, precision: int | None = None, *, lam_min: float = 1e-14,
                  lam_max: float | None = None) -> OptimalRidge:
    """The ``λ > 0`` minimising the predicted test error of ``scenario`` (CONTRACT.md ``optimal-ridge``).

    Parameters
    ----------
    scenario : Scenario
        Its ``ridge`` is ignored.
    precision : int, optional
        mpmath digits for the refinement (the scan is float64).
    lam_min, lam_max : float
        Scan range (default ``lam_max = 10 tr Σ``, ``tr Σ`` the total variance).

    Returns
    -------
    OptimalRidge
        ``ridge = 0`` if the error is smallest at the bottom of the range and the ridgeless error
        (``λ = 0``) is smaller still.

    Raises
    ------
    NotCoveredError
        When the error keeps decreasing up to ``lam_max`` (the best predictor is the null one), or
        when :func:`predict` cannot evaluate the scenario.
    """
    b = backend_for(precision)
    trace = float(scenario.spectrum.trace())
    lam_max = 10.0 * trace if lam_max is None else lam_max
    if not 0 < lam_min < lam_max:
        raise ScenarioError("downstream.ridge",
                            f"optimal_ridge: need 0 < lam_min < lam_max, got {lam_min!r}, {lam_max!r}")
    u_grid = np.linspace(math.log(lam_min), math.log(lam_max),
                         int(math.ceil(math.log10(lam_max / lam_min) * _SCAN_PER_DECADE)) + 1)
    errors = np.array([_scan_error(scenario, math.exp(u)) for u in u_grid])
    evals = len(u_grid)
    if not np.isfinite(errors).any():
        predict(scenario.replace(ridge=float(math.exp(u_grid[-1]))), monte_carlo=False)  # raises the reason
    i = int(np.argmin(errors))
    if 0 < i < len(u_grid) - 1 and not (np.isfinite(errors[i - 1]) and np.isfinite(errors[i + 1])):
        raise NotCoveredError(f"downstream.ridge: the smallest predicted error (λ = {math.exp(u_grid[i]):.3g}) lies at "
                              "the edge of the ridges the 1/d-corrected prediction covers (THEORY.md 3.9)")
    if i == len(u_grid) - 1:
        raise NotCoveredError(f"downstream.ridge: the predicted error keeps decreasing up to λ = {lam_max:.3g}; "
                              "the best ridge is infinite (the null predictor)")
    if i == 0:
        try:
            p0 = predict(scenario.replace(ridge=0.0), precision, monte_carlo=False)
        except NotCoveredError:
            p0 = None
        if p0 is not None and p0.test_error <= errors[0]:
            return OptimalRidge(ridge=0.0, test_error=p0.test_error, prediction=p0, evaluations=evals + 1,
                                tolerance=0.0,
                                asymptotic_ridge=_asymptotic_or_none(scenario), precision=b.name,
                                digits={"ridge": "0", "test_error": p0.digits["test_error"]} if p0.digits else {},
                                provenance="ridgeless limit: the predicted error decreases all the way to λ = 0")
        raise NotCoveredError(f"downstream.ridge: the predicted error keeps decreasing down to λ = {lam_min:.3g}")
    cache = {}

    def f(u):
        key = float(u)
        if key not in cache:
            cache[key] = _error(scenario, b.exp_scalar(u), precision, b)
        return cache[key][0]

    # Tolerance in u = log λ (relative in λ): float64 errors resolve u to ~sqrt(eps); with mpmath the
    # error has all digits but λ itself is a float64 inside the scenario.
    eps64 = float(np.finfo(float).eps)
    tol = 4 * math.sqrt(eps64) if b == FLOAT64 else 64 * eps64
    lo, mid, hi = (b.scalar(float(u_grid[k])) for k in (i - 1, i, i + 1))
    u_star, _, n_brent = brent_minimize(f, lo, mid, hi, f(mid), tol=b.scalar(tol))
    err, pred = cache[float(u_star)]
    ridge = float(b.exp_scalar(u_star))  # the float64 ridge the prediction used
    return OptimalRidge(
        ridge=ridge, test_error=float(err), prediction=pred, evaluations=evals + n_brent + 1,
        tolerance=tol, asymptotic_ridge=_asymptotic_or_none(scenario), precision=b.name,
        digits=b.all_digits({"ridge": b.scalar(ridge), "test_error": err}),
    )


# -- asymptotic law -------------------------------------------------------------------------------------

def effective_noise(scenario: Scenario) -> float:
    """``σ_eff² = σ² + Σ_k σ0_k² (T/T0_k + φ0_k)/(1 − φ0_k)``, ``φ0_k = d/T0_k`` (theory/scaling.py).

    The collapse term of OLS generators acts on the downstream ridge like this much label noise
    (leading order, ``df_m ≪ T``). ``d = inf`` admits only ``n = 0``.
    """
    law = formula("scaling_effective_noise")  # (σ, n, σ0, T, T0, φ0)
    gen, T = scenario.generators, scenario.T
    s2 = float(law(scenario.sigma, 0, 0.0, T, 1.0, 0.0))  # n = 0: σ²
    if gen.n == 0:
        return s2
    d = scenario.d
    if d == math.inf:
        raise NotCoveredError("spectrum.d: the collapse term needs a finite d (d = φ0 T0 with OLS generators)")
    for t0, s0 in zip(gen.T0, gen.sigma0):
        phi0 = d / t0
        if phi0 >= 1:
            raise NotCoveredError("generators.T0: the effective-noise law needs OLS generators, T0 > d")
        s2 += float(law(0.0, 1, s0, T, t0, phi0))  # the law is additive over generations: one generation's share
    return s2


def asymptotic_optimal_ridge(scenario: Scenario) -> float:
    """``λ* ≈ (σ_eff² C_2/(2rβ C_B T))^(β/(1+2βr))`` (asymptotic law; power law, source, ``0 < r < 1``).

    Raises
    ------
    NotCoveredError
        Other spectra or teachers, ``r >= 1`` (log corrections at ``r = 1``), or ``σ_eff = 0``.
    """
    sp_, te = scenario.spectrum, scenario.teacher
    if sp_.beta is None or te.r is None or not 0 < te.r < 1:  # a power-law exponent β and a source exponent r
        raise NotCoveredError("teacher.r: the asymptotic optimal-ridge law needs a power law, a source teacher and 0 < "
                              "r < 1")
    s2 = effective_noise(scenario)
    if s2 <= 0:
        raise NotCoveredError("downstream.sigma: with no noise at all the optimal ridge is 0 (no asymptotic law)")
    return float(formula("scaling_optimal_kappa_law")(sp_.beta, te.r, scenario.T, s2, math.sqrt(te.norm)))


def _asymptotic_or_none(scenario: Scenario):
    try:
        return asymptotic_optimal_ridge(scenario)
    except NotCoveredError:
        return None


# -- scaling curves on an infinite spectrum ---------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class ScalingCurves:
    """Deterministic-equivalent terms along ``T`` (arrays over ``T``).

    ``collapse`` uses the finite-``d`` formula of theory/collapse.py with ``d = φ0 T0`` and the
    infinite spectrum's ``df_m`` (valid while ``d ≫ κ^(−1/β)``); ``None`` when ``n = 0``.
    """

    T: np.ndarray
    ridge: np.ndarray
    kappa: np.ndarray
    bias: np.ndarray
    variance: np.ndarray
    collapse: np.ndarray | None
    T0: np.ndarray | None
    d: np.ndarray | None

    @property
    def total(self) -> np.ndarray:
        return self.bias + self.variance + (self.collapse if self.collapse is not None else 0)


def scaling_curves(beta: float, r: float, T, *, ell: float | None = None, ridge=None, sigma: float = 1.0,
                   n: int = 0, sigma0: float = 1.0, a: float = 1.0, tau: float = 1.0, phi0: float = 0.5,
                   T0=None) -> ScalingCurves:
    """Bias, variance and collapse term on ``λ_j = j^(−β)`` (``d = ∞``), source teacher ``r``.

    Parameters
    ----------
    T : array_like
        Downstream sample sizes.
    ell, ridge :
        ``λ = T^(−ℓ)``, or explicit ridges (one per ``T``).
    sigma, n, sigma0 :
        Label noise, generations, generator noise.
    a, tau, phi0, T0 :
        Generators: ``T0 = τ T^a`` (or explicit ``T0``), ``d = φ0 T0``.
    """
    T = np.asarray(T, dtype=float)
    if (ell is None) == (ridge is None):
        raise TypeError("scaling_curves: give exactly one of ell and ridge")
    lam = T ** (-float(ell)) if ridge is None else np.broadcast_to(np.asarray(ridge, dtype=float), T.shape)
    sums = PowerLawSums(beta=beta, d=math.inf, teacher_kind="source", r=r)
    k = solve_kappa(sums, lam, T).kappa
    df1, df2, sb = sums.df(k, 1), sums.df(k, 2), sums.bias_sum(k)
    bias = formula("clean_bias")(k, sb, df2, T)
    var = formula("clean_variance")(sigma, df2, T)
    col = t0 = dd = None
    if n >= 1:
        t0 = tau * T**a if T0 is None else np.broadcast_to(np.asarray(T0, dtype=float), T.shape)
        dd = phi0 * t0
        col = formula("generator_factor")(n, sigma0, t0, dd) * formula("collapse_trace")(df1, df2, T, dd)
    return ScalingCurves(T=T, ridge=np.asarray(lam), kappa=k, bias=bias, variance=var, collapse=col, T0=t0, d=dd)


# -- adaptive regularisation ------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class RidgeComparison:
    """Test error against the number of generations ``n`` for four ridge strategies.

    Attributes
    ----------
    n : ndarray of int
    ridge, error : dict of str -> ndarray
        Keyed ``clean_tuned`` (a), ``ridgeless`` (b), ``adaptive`` (c), ``optimal`` (d).
    rule : str
        The adaptive rule, in words.
    ell_crit : float
    """

    n: np.ndarray
    ridge: dict
    error: dict
    rule: str
    ell_crit: float

    def to_dict(self) -> dict:
        return {"n": self.n.tolist(), "ridge": {k: v.tolist() for k, v in self.ridge.items()},
                "error": {k: v.tolist() for k, v in self.error.items()}, "rule": self.rule, "ell_crit": self.ell_crit}


def ridge_strategies(scenario: Scenario, ns=range(0, 11), *, tiny_ridge: float = 1e-10) -> RidgeComparison:
    """Error vs ``n`` with (a) ``λ`` tuned for clean data, (b) ``λ → 0``, (c) the adaptive rule, (d) the optimum.

    The adaptive rule: ``λ_n = λ_0 (σ_eff,n²/σ²)^(ℓ_crit)``, with ``λ_0`` the clean-data optimum,
    ``σ_eff,n² = σ² + n σ0² (T/T0 + φ0)/(1 − φ0)`` (:func:`effective_noise`) and
    ``ℓ_crit = β/(1+2β min(r,1))``: the optimal ``κ* ∝ (σ_eff²/T)^(ℓ_crit)`` of theory/scaling.py,
    i.e. the ridge grows with ``n`` like the effective noise to the power ``ℓ_crit``. With
    ``σ = 0`` it is anchored instead at the asymptotic law :func:`asymptotic_optimal_ridge`.
    (b) uses ``λ = 0`` where the error is finite, else ``tiny_ridge``.

    Needs a power-law spectrum with a source teacher, finite ``d`` and OLS generators (``T0 > d + 1``).
    """
    sp_, te = scenario.spectrum, scenario.teacher
    if sp_.beta is None or te.r is None:  # a power-law exponent β and a source exponent r
        raise NotCoveredError("spectrum.kind: the adaptive rule needs a power-law spectrum and a source teacher")
    ns = np.asarray(list(ns), dtype=int)
    if len(ns) == 0 or ns.min() < 0:
        raise ScenarioError("generators.n", "ridge_strategies: need generation counts n >= 0")
    gen = scenario.generators
    if not gen.T0 or not gen.is_constant:
        raise ScenarioError("generators.T0",
                            "ridge_strategies: the scenario must define constant generators (T0, sigma0)")
    t0, s0 = gen.T0[0], gen.sigma0[0]
    ell_c = exponent_value(law.ell_crit(), sp_.beta, te.r)
    clean = optimal_ridge(scenario.replace(n=0))
    sigma2 = scenario.sigma**2
    out_r = {k: np.empty(len(ns)) for k in ("clean_tuned", "ridgeless", "adaptive", "optimal")}
    out_e = {k: np.empty(len(ns)) for k in out_r}
    for i, n in enumerate(ns):
        sc = scenario.replace(n=int(n), T0=t0, sigma0=s0)
        lam_adapt = (
            clean.ridge * (effective_noise(sc) / sigma2) ** ell_c if sigma2 > 0 else asymptotic_optimal_ridge(sc)
        )
        try:
            lam_tiny, ridgeless = 0.0, predict(sc.replace(ridge=0.0), monte_carlo=False)
        except NotCoveredError:
            lam_tiny, ridgeless = tiny_ridge, predict(sc.replace(ridge=tiny_ridge), monte_carlo=False)
        best = optimal_ridge(sc)
        tuned = predict(sc.replace(ridge=clean.ridge), monte_carlo=False).test_error
        adaptive = predict(sc.replace(ridge=lam_adapt), monte_carlo=False).test_error
        for key, lam, err in (("clean_tuned", clean.ridge, tuned),
                              ("ridgeless", lam_tiny, ridgeless.test_error),
                              ("adaptive", lam_adapt, adaptive),
                              ("optimal", best.ridge, best.test_error)):
            out_r[key][i], out_e[key][i] = lam, err
    if sigma2 > 0:
        rule = (f"lambda_n = lambda_0 (sigma_eff,n^2/sigma^2)^ell_crit, lambda_0 = {clean.ridge:.4g} (clean optimum), "
                f"ell_crit = {ell_c:.4g}, sigma_eff,n^2 = sigma^2 + n sigma0^2 (T/T0 + d/T0)/(1 - d/T0)")
    else:
        rule = (f"lambda_n = asymptotic optimal-ridge law at sigma_eff,n^2 = n sigma0^2 (T/T0 + d/T0)/(1 - d/T0) "
                f"(sigma = 0); it scales like sigma_eff,n^(2 ell_crit), ell_crit = {ell_c:.4g}")
    return RidgeComparison(n=ns, ridge=out_r, error=out_e, rule=rule, ell_crit=ell_c)
