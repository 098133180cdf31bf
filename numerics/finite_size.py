"""The ``1/d``-corrected clean part and downstream smoother (THEORY.md §3.9), with its domain.

Evaluates the results of :mod:`modelcollapse.theory.finite_size` at the toolkit's ``κ``: the
linear corrections of the bias, variance and collapse trace, the resummation of the variance and
the trace across the hard-edge boundary layer (weight ``w = exp(−λ/(0.15 μ₋))``, ``μ₋`` the lower
edge of the spectrum of ``Σ̂``), and the refusals where the expansion does not hold.

Domain (measured: docs/THEORY.md §3.9, tests/test_finite_size_simulation.py): refused with :class:`NotCoveredError` when

* ``|Δρ/ρ₁| > 0.15`` — too few samples for the expansion (steep spectra, ``T`` of a few; at
  ``|Δρ/ρ₁| = 0.21`` the corrected value is 6% off). For ``d = inf`` the ratio is its ``d → ∞``
  limit, ``ΔV/V₁`` (the ``d``-proportional parts of ``Δρ`` and ``ρ₁`` are ``d N_V/D⁴``, ``d df₂/D``);
* ``|ΔV/V₁| > 0.5`` — the Padé denominator ``V₁ − ΔV`` would fall under ``V₁/2``;
* ``λ > 0``, ``T − df₂ < 4`` and ``w < ½`` — a small ridge at the hard edge (measured 1–2% off);
* a corrected bias, variance, trace or smoother moment that is negative or not finite.

Measured accuracy (d = 40–200, 59 scenarios against long simulations): within 0.5% at d <= 60
and 0.35% at d >= 100 except at the hard edge, worst +0.8% (Σ = I, d = 50, ``|d − T| = 5``,
``λ ≈ μ₋``); first order in the same scenarios: up to −13%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modelcollapse.numerics.backend import FLOAT64, Backend
from modelcollapse.numerics.formulas import formula
from modelcollapse.numerics.infinite import PowerLawSums
from modelcollapse.numerics.roots import brentq
from modelcollapse.numerics.sums import SpectralSums
from modelcollapse.theory.errors import NotCoveredError
from modelcollapse.theory.finite_size import FINITE_SIZE

__all__ = ["CorrectedClean", "corrected_clean", "first_order_clean", "corrected_smoother", "lower_edge",
           "MAX_TRACE_RATIO", "MAX_VARIANCE_RATIO", "MIN_EXCESS", "FINITE_SIZE"]

MAX_TRACE_RATIO = 0.15  # |Δρ/ρ₁|: 0.21–0.29 (steep power laws, T = 3–5) measured 6% off; <= 0.07 within 0.9%
MAX_VARIANCE_RATIO = 0.5  # Padé denominator V₁ − ΔV >= V₁/2 (Σ = I ridgeless d − T = 2 sits at 0.5, exact there)
MIN_EXCESS = 4.0  # λ > 0 at the hard edge: T − df₂ = 3.1–3.5 measured 1.2–2.3% off, >= 5 within 0.75%


@dataclass(frozen=True, kw_only=True)
class CorrectedClean:
    """Corrected and first-order clean numbers (backend numbers; ``trace`` is None for ``d = inf``)."""

    bias: object
    variance: object
    trace: object
    first_order: dict  # bias, variance, trace of the proportional limit
    lower_edge: float
    weight: float  # resummation weight w


def lower_edge(sums, T: int, kappa: float) -> float:
    """``μ₋ = κ*(df₁(κ*)/T − 1)`` at ``df₂(κ*) = T`` (registered ``lower_edge``; float64, a blend scale only).

    ``κ* > 0`` for ``T < d`` (bracketed between ``κ``, where ``df₂ < T``, and a small enough ``κ``),
    ``κ* ∈ (−λ_min, 0)`` for ``T > d``; ``μ₋ = 0`` at ``T = d``.
    """
    d = sums.d
    b = sums.backend

    def excess(k):
        return float(sums.df(b.scalar(k), 2)) - T

    if d == T:
        return 0.0
    if T < d:
        hi = max(float(kappa), 1e-300)
        lo = hi
        for _ in range(400):
            lo /= 10.0
            if lo == 0:  # below float64 (a steep power law): df₂ = d at κ = 0 is no bracket of a positive κ*
                raise NotCoveredError("downstream.T: the lower edge of the sample spectrum was not bracketed")
            if excess(lo) > 0:
                break
        else:
            raise NotCoveredError("downstream.T: the lower edge of the sample spectrum was not bracketed")
        found = brentq(lambda u: excess(np.exp(u)), np.log(lo), np.log(hi), xtol=1e-14, rtol=1e-13, scale=T,
                       what="the lower edge of the sample spectrum")
        root = float(np.exp(found.root))
    else:
        smin = float(sums.min_eigenvalue)
        root = brentq(excess, -smin * (1 - 1e-12), 0.0, xtol=1e-300, rtol=1e-13, scale=T,
                      what="the lower edge of the sample spectrum").root
    return float(formula("lower_edge")(root, float(sums.df(b.scalar(root), 1)), T))


def _refuse(key: str, why: str):
    raise NotCoveredError(f"{key}: {why}; outside the domain of the 1/d expansion (THEORY.md 3.9), refused")


def _check_nonnegative(name: str, value) -> None:
    f = np.asarray(value, dtype=np.float64) if not isinstance(value, (int, float)) else np.float64(value)
    if not np.all(np.isfinite(f)) or np.any(f < 0):
        _refuse("downstream.T", f"the corrected {name} is negative or not finite ({np.min(f):.3g})")


def _edge_weight(sums, T: int, kappa: float, ridge: float) -> tuple[float, float]:
    """``(μ₋, w)``; a ridge above ``40·0.15`` times an upper bound of ``μ₋`` has ``w < e⁻⁴⁰`` and needs
    no root (``μ₋`` is then reported as ``nan``)."""
    # μ₋ < λ_min for T > d (κ* ∈ (−λ_min, 0) and df₁(κ*) < T), μ₋ <= tr Σ/T for T < d
    bound = float(sums.min_eigenvalue) if T > sums.d else float(sums.trace) / T
    if ridge > 0 and ridge > 40 * 0.15 * bound:
        return float("nan"), 0.0
    if T > sums.d and isinstance(sums, PowerLawSums):  # Euler–Maclaurin sums need κ >= 0: term by term here
        sums = SpectralSums(np.arange(1, sums.d + 1, dtype=np.float64) ** (-sums.beta), None)
    try:
        mu = lower_edge(sums, T, kappa)
    except NotCoveredError:  # not bracketed above 1e-300: a steep power law's edge may lie below float64's range
        floor = 1e-300
        b = sums.backend
        if not (ridge > 0 and T < sums.d and float(sums.df(b.scalar(floor), 2)) <= T):
            raise
        # κ* < floor, and κ·df₁(κ) increases with κ: μ₋ < κ* df₁(κ*)/T < floor·df₁(floor)/T
        bound = floor * float(sums.df(b.scalar(floor), 1)) / T
        if ridge > 40 * 0.15 * bound:  # w < e⁻⁴⁰ (as above)
            return float("nan"), 0.0
        raise
    if ridge == 0:
        return mu, 1.0
    return mu, (float(formula("finite_size_edge_weight")(float(ridge), mu)) if mu > 0 else 0.0)


def _ratio(correction, first_order) -> float:
    """``Δx/x₁``; 0 when both underflowed to 0 (a huge ridge: nothing left to correct), inf if only ``x₁`` did."""
    if float(first_order) == 0:
        return 0.0 if float(correction) == 0 else float("inf")
    return float(correction / first_order)


def first_order_clean(sums, kappa, *, T: int, sigma, backend: Backend) -> dict:
    """The first-order (proportional-limit) clean ``bias``, ``variance`` and collapse ``trace`` at ``κ``
    (``trace`` None for ``d = inf``): the numbers the ``1/d`` correction starts from."""
    b = backend
    df1, df2 = sums.df(kappa, 1), sums.df(kappa, 2)
    bias = formula("clean_bias_scaled")(sums.scaled_bias_sum(kappa), df2, T)
    variance = b.scalar(sigma) ** 2 * formula("clean_variance")(b.scalar(1), df2, T)
    trace = formula("collapse_trace")(df1, df2, T, sums.d) if sums.d != float("inf") else None
    return {"bias": bias, "variance": variance, "trace": trace}


def corrected_clean(sums, kappa, *, ridge: float, T: int, sigma, backend: Backend, edge_sums=None) -> CorrectedClean:
    """The ``1/d``-corrected clean bias, variance and collapse trace at the clean ``κ`` (see the module).

    ``edge_sums``: float64 sums of the same spectrum for the lower edge (a blend scale; default ``sums``).

    Raises
    ------
    NotCoveredError
        Outside the domain (module docstring), naming ``downstream.T``.
    """
    b = backend
    k = kappa
    df1, df2, df3, df4 = (sums.df(k, m) for m in (1, 2, 3, 4))
    # b_m = κ² Σ_j λ_j^(m−1) c_j²/(λ_j+κ)^m, summed in the scaled form (no κ²·0 = inf·0 at a huge ridge)
    b2, b3, b4 = sums.scaled_bias_sum(k), sums.scaled_teacher_sum(k, 3), sums.scaled_teacher_sum(k, 4)
    one, sig2 = b.scalar(1), b.scalar(sigma) ** 2
    finite = sums.d != float("inf")
    bias1 = formula("clean_bias_scaled")(b2, df2, T)
    var1 = formula("clean_variance")(one, df2, T)
    dvar = formula("finite_size_variance_correction")(one, T, df2, df3, df4)
    bias = formula("finite_size_bias")(T, df2, df3, df4, b2, b3, b4)
    for name, value in (("first-order variance", var1), ("variance correction", dvar), ("corrected bias", bias)):
        if not np.isfinite(float(value)):
            raise NotCoveredError(f"downstream.T: the {name} is not finite here ({float(value)}); this regime is not "
                                  "covered")
    var_ratio = _ratio(dvar, var1)
    if finite:
        trace1 = formula("collapse_trace")(df1, df2, T, sums.d)
        dtrace = formula("finite_size_trace_correction")(T, sums.d, df1, df2, df3, df4)
        trace_ratio = _ratio(dtrace, trace1)
    else:
        trace1 = dtrace = None
        trace_ratio = var_ratio  # the d → ∞ limit of Δρ/ρ₁
    if not abs(trace_ratio) <= MAX_TRACE_RATIO:
        _refuse("downstream.T",
                f"too few samples for the 1/d expansion (|Δρ/ρ₁| = {abs(trace_ratio):.3g} > {MAX_TRACE_RATIO})")
    if not abs(var_ratio) <= MAX_VARIANCE_RATIO:
        _refuse("downstream.T",
                f"too few samples for the 1/d expansion (|ΔV/V₁| = {abs(var_ratio):.3g} > {MAX_VARIANCE_RATIO})")
    mu, weight = _edge_weight(edge_sums if edge_sums is not None else sums, T, float(k), ridge)
    excess = float(T - df2)
    if ridge > 0 and excess < MIN_EXCESS and weight < 0.5:
        _refuse("downstream.ridge",
                f"a small ridge at the hard edge (T − df₂ = {excess:.3g} < {MIN_EXCESS} effective excess "
                f"samples, λ = {ridge:g} > 0.15 ln2 μ₋ = {0.15 * np.log(2) * mu:.3g}); use a larger ridge, ridge = 0 "
                "or T farther from d")
    pade = formula("finite_size_resummed")

    def resum(x1, dx, w):  # no correction left (both underflowed at a huge ridge): x₁, not 0·0/0
        return x1 + dx if float(dx) == 0 else pade(x1, dx, w)

    w = b.scalar(weight)
    variance = sig2 * resum(var1, dvar, w)
    trace = resum(trace1, dtrace, w) if finite else None
    for name, value in (("bias", bias), ("variance", variance), ("collapse trace", trace)):
        if value is not None:
            _check_nonnegative(name, value)
    first = {"bias": bias1, "variance": sig2 * var1, "trace": trace1}
    return CorrectedClean(bias=bias, variance=variance, trace=trace, first_order=first, lower_edge=mu, weight=weight)


def corrected_smoother(p, T: int, d: int, backend: Backend = FLOAT64):
    """``a_j ≃ E A_jj`` and ``γ_j ≃ E(AᵀΣA)_jj/λ_j`` with their ``1/d`` corrections (``p_j = λ_j/(λ_j+κ)``).

    ``p`` is an array over the eigendirections, or one number for ``Σ ∝ I`` (then ``df_m = d p^m``).

    Raises
    ------
    NotCoveredError
        A corrected ``a_j`` or ``γ_j`` is negative (outside the domain of the expansion).
    """
    b = backend
    if np.ndim(p) == 0:
        dfs = [d * p**m for m in (2, 3, 4)]
    else:
        dfs = [b.fsum(p**m) for m in (2, 3, 4)]
    df2, df3, df4 = dfs
    a = formula("finite_size_shrink")(p, T, df2, df3)
    gamma = formula("finite_size_gain")(p, T, df2, df3, df4)
    _check_nonnegative("smoother mean a_j", a)
    _check_nonnegative("smoother second moment gamma_j", gamma)
    return a, gamma
