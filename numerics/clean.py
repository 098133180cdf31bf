"""The downstream ridge on clean data: bias, variance, ``κ`` and the collapse trace (THEORY.md §3.1–§3.4).

Every regime puts its collapse term on top of this clean part.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.finite_size import FINITE_SIZE, corrected_clean, first_order_clean
from modelcollapse.numerics.fixed_point import solve_kappa
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.prediction import CleanPart
from modelcollapse.numerics.scenario import Scenario
from modelcollapse.numerics.sums import spectral_sums
from modelcollapse.theory.errors import DivergentError
from modelcollapse.theory.provenance import EXACT, equivalent

__all__ = ["clean_prediction", "first_order_only", "FIRST_ORDER"]

#: The proportional-limit (first-order) equivalent, as ``predict(order=1)`` returns it: no ``1/d``
#: correction and no domain refusal of the expansion. Measured (THEORY.md §3.9, 59 scenarios, d = 40–200):
#: within ``4·SE + 3%`` in 32 of 59, worst −13.1% (d <= 60) and −5.8% (d >= 100); always low.
FIRST_ORDER = equivalent("deterministic equivalent (first order: proportional limit, no 1/d correction)",
                         allowance=0.131)
_ORDER: ContextVar = ContextVar("modelcollapse_equivalent_order", default=2)


@contextmanager
def first_order_only():
    """Inside the block, clean parts (and so every regime's downstream) use the first-order equivalent."""
    token = _ORDER.set(1)
    try:
        yield
    finally:
        _ORDER.reset(token)


def clean_prediction(scenario: Scenario, backend: Backend, *, sums=None) -> CleanPart:
    """Clean error of the downstream ridge and its collapse trace ``E tr(AᵀΣAΣ⁻¹)``.

    Exact when ``λ = 0`` and ``T >= d + 2`` (any ``Σ``: OLS), or ``λ = 0``, ``T <= d − 2`` and
    ``Σ ∝ I`` (min-norm least squares); otherwise deterministic equivalents with their ``1/d``
    correction (:mod:`modelcollapse.numerics.finite_size`, THEORY.md §3.9; provenance
    ``FINITE_SIZE_CORRECTED``), the first-order numbers in ``CleanPart.first_order``.

    Raises
    ------
    NotCoveredError
        ``λ = 0`` with ``d − 1 <= T <= d + 1`` (the error is infinite), or outside the domain of the
        ``1/d`` expansion (too few samples, a small ridge at the hard edge).
    FixedPointError
        The ``κ`` fixed point did not converge.
    """
    sp_, T, lam, sigma = scenario.spectrum, scenario.T, scenario.ridge, scenario.sigma
    d = sp_.d
    b = backend
    if lam == 0 and sp_.is_finite and abs(T - d) <= 1:
        raise DivergentError(
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
    edge_sums = sp_.spectral_sums(scenario.teacher, FLOAT64) if b != FLOAT64 else None  # the edge is a blend scale
    if _ORDER.get() == 1:
        first = first_order_clean(sums, k, T=T, sigma=sigma, backend=b)
        return CleanPart(first["bias"], first["variance"], first["trace"], k, FIRST_ORDER, sol.iterations, sol.residual)
    fs = corrected_clean(sums, k, ridge=lam, T=T, sigma=sigma, backend=b, edge_sums=edge_sums)
    return CleanPart(fs.bias, fs.variance, fs.trace, k, FINITE_SIZE, sol.iterations, sol.residual,
                     first_order=fs.first_order)
