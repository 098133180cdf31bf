"""The downstream ridge on clean data: bias, variance, ``κ`` and the collapse trace (THEORY.md §3.1–§3.4).

Every regime puts its collapse term on top of this clean part.
"""

from __future__ import annotations

from modelcollapse.numerics.backend import Backend
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.prediction import CleanPart
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.sums import spectral_sums
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.provenance import EXACT, equivalent, finite_size

__all__ = ["clean_prediction"]

RIDGELESS_CORRECTED = finite_size("deterministic equivalent (ridgeless variance with finite-size correction)")


def clean_prediction(scenario: Scenario, backend: Backend, *, sums=None) -> CleanPart:
    """Clean error of the downstream ridge and its collapse trace ``E tr(AᵀΣAΣ⁻¹)``.

    Exact when ``λ = 0`` and ``T >= d + 2`` (any ``Σ``: OLS), or ``λ = 0``, ``T <= d − 2`` and
    ``Σ ∝ I`` (min-norm least squares); deterministic equivalents otherwise (the ridgeless
    ``T < d`` variance with its finite-size correction).

    Raises
    ------
    NotCoveredError
        ``λ = 0`` with ``d − 1 <= T <= d + 1`` (the error is infinite).
    FixedPointError
        The ``κ`` fixed point did not converge.
    """
    sp_, T, lam, sigma = scenario.spectrum, scenario.T, scenario.ridge, scenario.sigma
    d = sp_.d
    b = backend
    if lam == 0 and sp_.is_finite and abs(T - d) <= 1:
        raise NotCoveredError(
            f"downstream.T: with ridge = 0 the test error is infinite for d-1 <= T <= d+1 (T = {T}, d = {d}); "
            "use T <= d-2, T >= d+2 or ridge > 0"
        )
    sig = b.scalar(sigma)
    if lam == 0 and sp_.is_finite and T >= d + 2:
        # OLS: unbiased, inverse-Wishart variance, A = I so the trace is d.
        variance = formula("ols_variance")(sig, T, d)
        return CleanPart(b.scalar(0), variance, b.scalar(d), b.scalar(0), EXACT)
    if lam == 0 and sp_.is_isotropic:  # min-norm least squares, Σ = cI, T <= d - 2
        norm = b.fsum(scenario.teacher.weights(sp_, b))
        bias = formula("ridgeless_isotropic_bias")(b.scalar(T), d) * norm  # b.scalar: 1 - T/d on ints is float64
        variance = formula("ridgeless_isotropic_variance")(sig, T, d)
        trace = b.scalar(formula("ridgeless_isotropic_trace")(T))
        kappa = formula("ridgeless_isotropic_kappa")(b.scalar(T), b.scalar(d)) * b.scalar(sp_.scale)  # κ scales with c
        return CleanPart(b.scalar(bias), variance, trace, kappa, EXACT)
    sums = sums if sums is not None else spectral_sums(sp_, scenario.teacher, b)
    sol = solve_kappa(sums, b.scalar(lam), T)
    k = sol.kappa
    df1, df2, scaled_s_b = sums.df(k, 1), sums.df(k, 2), sums.scaled_bias_sum(k)
    bias = formula("clean_bias_scaled")(scaled_s_b, df2, T)  # κ²S_B summed termwise: no inf·0 at a huge ridge
    variance = formula("clean_variance")(sig, df2, T)
    provenance = equivalent()
    if lam == 0:  # ridgeless, T < d: finite-size corrected variance (exact for Σ = cI and for OLS)
        variance = formula("ridgeless_variance")(sig, df2, sums.df(k, 3), T)
        provenance = RIDGELESS_CORRECTED
    trace = formula("collapse_trace")(df1, df2, T, sums.d) if sp_.is_finite else None
    return CleanPart(bias, variance, trace, k, provenance, sol.iterations, sol.residual)
