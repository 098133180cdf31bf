"""Bias–variance decomposition of collapsed ridge regression (THEORY.md §3.1–§3.3).

Every function returns a SymPy expression in the symbols of :mod:`modelcollapse.theory.symbols`.
These expressions are the single source of truth: :mod:`modelcollapse.numerics.formulas`
lambdifies exactly these and nothing else.

Setting (Dohmatob, Feng & Kempe 2024, §3): ``n`` generations of OLS generators on ``T0`` samples
with label noise ``σ0``, then ridge ``λ`` on ``T`` samples with label noise ``σ``; ``x ~ N(0, Σ)``.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.theory.registry import named_result
from modelcollapse.theory.symbols import T, T0, bias_sum, d, df1, df2, df3, kappa, lam, n, sigma, sigma0

__all__ = [
    "kappa_equation",
    "clean_bias",
    "clean_variance",
    "collapse_trace",
    "generator_factor",
    "collapse_rho",
    "collapse_term",
    "test_error",
    "ols_variance",
    "ols_exact",
    "ridgeless_variance",
    "ridgeless_isotropic_bias",
    "ridgeless_isotropic_variance",
    "ridgeless_isotropic_trace",
]


@named_result("kappa_equation", title="Fixed point of the effective regularisation", lhs="", provenance="deterministic equivalent", source="Bach 2023; THEORY.md 3.3")
def kappa_equation() -> sp.Eq:
    """Fixed-point equation of the effective regularisation: ``κ − λ = κ df_1(κ)/T``.

    Source: Bach 2023 (arXiv:2303.01372), deterministic equivalent of ``λ(Σ̂+λ)⁻¹``.
    """
    return sp.Eq(kappa - lam, kappa * df1 / T)


@named_result("clean_bias", title="Clean bias of ridge regression", lhs="B", provenance="deterministic equivalent", source="THEORY.md 3.3")
def clean_bias() -> sp.Expr:
    """Clean bias ``B = κ² Σ_j λ_j c_j²/(λ_j+κ)² / (1 − df_2/T)`` (deterministic equivalent)."""
    return kappa**2 * bias_sum / (1 - df2 / T)


@named_result("clean_variance", title="Clean variance of ridge regression", lhs="V", provenance="deterministic equivalent", source="THEORY.md 3.3")
def clean_variance() -> sp.Expr:
    """Clean variance ``V = σ² df_2/(T − df_2)`` (deterministic equivalent)."""
    return sigma**2 * df2 / (T - df2)


@named_result("collapse_trace", title="Collapse trace of the downstream smoother A", lhs=r"\mathbb{E}\operatorname{tr}(A^\top \Sigma A \Sigma^{-1})", provenance="deterministic equivalent", source="THEORY.md 3.3; Dohmatob et al. 2024, Sec. 4")
def collapse_trace() -> sp.Expr:
    """Deterministic equivalent of ``E tr(AᵀΣAΣ⁻¹)``, ``A = (Σ̂+λ)⁻¹Σ̂``.

    ``df_2 (T + d − 2 df_1) / (T − df_2)``; derived step by step in
    :mod:`modelcollapse.theory.derivation`. Equals ``d`` at ``λ = 0, T > d`` and tends to 0 as
    ``λ → ∞``.
    """
    return df2 * (T + d - 2 * df1) / (T - df2)


def generator_factor() -> sp.Expr:
    """``Σ_k σ0_k² / (T0_k − d − 1)`` for constant ``T0, σ0``: ``n σ0²/(T0 − d − 1)``.

    Exact for Gaussian designs with ``T0 >= d + 2``: the chain's error ``δ = ŵ_n − w0`` has mean
    0 and covariance ``n σ0² Σ⁻¹/(T0 − d − 1)`` (mean of an inverse Wishart matrix).
    """
    return n * sigma0**2 / (T0 - d - 1)


@named_result("rho", title="Collapse per generation and unit generator noise variance", lhs=r"\rho", provenance="deterministic equivalent with exact T0-d-1 prefactor", source="THEORY.md 3.2-3.3")
def collapse_rho() -> sp.Expr:
    """``ρ = E tr(AᵀΣAΣ⁻¹)/(T0 − d − 1)``: collapse per generation per unit ``σ0²``.

    Deterministic equivalent of the trace with the exact finite-sample prefactor.
    """
    return collapse_trace() / (T0 - d - 1)


@named_result("collapse_term", title="Collapse term", lhs=r"n\sigma_0^2\rho", provenance="deterministic equivalent with exact T0-d-1 prefactor", source="THEORY.md 3.2-3.3")
def collapse_term() -> sp.Expr:
    """Collapse term ``n σ0² ρ`` (THEORY.md §3.2: it separates exactly from the clean error)."""
    return generator_factor() * collapse_trace()


@named_result("test_error", title="Test error of collapsed ridge regression (OLS generators, T0 > d+1)", lhs=r"E_{\mathrm{test}}", provenance="deterministic equivalent", source="Dohmatob et al. 2024, Sec. 4; THEORY.md 3.2-3.3")
def test_error() -> sp.Expr:
    """``E_test = B + V + n σ0² ρ`` (deterministic equivalent, OLS generators ``T0 > d + 1``)."""
    return clean_bias() + clean_variance() + collapse_term()


def ols_variance() -> sp.Expr:
    """Exact variance of clean OLS (``λ = 0``, ``T >= d + 2``): ``σ² d/(T − d − 1)``.

    ``σ² E tr(Σ (XᵀX)⁻¹)`` with ``XᵀX ~ Wishart_d(T, Σ)``, whose inverse has mean ``Σ⁻¹/(T − d − 1)``.
    """
    return sigma**2 * d / (T - d - 1)


@named_result("ols_exact", title="Exact finite-sample test error of OLS on collapsed data", lhs=r"E_{\mathrm{test}}", provenance="exact (Gaussian design, T, T0 >= d+2)", source="Dohmatob et al. 2024, Sec. 4; THEORY.md 3.1")
def ols_exact() -> sp.Expr:
    """Exact finite-sample OLS result (``λ = 0``, ``T, T0 >= d + 2``, Gaussian design, any ``Σ``).

    ``E_test = σ² d/(T − d − 1) + n σ0² d/(T0 − d − 1)``: the clean variance plus the collapse
    term with ``E tr(AᵀΣAΣ⁻¹) = d`` (``A = I``).
    """
    return ols_variance() + generator_factor() * d


@named_result(
    "ridgeless_variance",
    title="Variance of min-norm least squares (T < d) with its finite-size correction",
    lhs="V",
    relation=r"\simeq",
    provenance="deterministic equivalent with a heuristic finite-size correction: exact for Sigma = cI; measured within 2% of simulation for power laws",
    source="THEORY.md 3.3, 3.5; this toolkit (tests/test_theory_vs_simulation.py, tests/test_overparam.py)",
)
def ridgeless_variance() -> sp.Expr:
    """Ridgeless variance ``σ² df_2/(T − df_2 − e)``, ``e = (df_2 − df_3)/(T − df_2)``, at ``df_1(κ) = T``.

    ``σ² E tr(Σ(XᵀX)⁺)`` for min-norm least squares on ``T < d`` samples. The plain deterministic
    equivalent ``σ² df_2/(T − df_2)`` is low by ``≈ 1/(d − T)`` relative at finite size (20% at
    ``d = 50, T = 45``). ``e = Σ_j p_j²(1 − p_j)/Σ_j p_j(1 − p_j)`` (``p_j = λ_j/(λ_j + κ)``) is the
    leave-one-out correction; for ``Σ = I`` it equals ``T/d`` and the result is the exact
    ``σ² T/(d − T − 1)``. Elsewhere a heuristic, measured against simulation for power laws
    (``β = 1.2–3``, ``d = 50–200``, ``T`` from 10 to ``0.9 d``): within 1.8% (plain: up to 20% low).
    The same expression gives the generator noise of over-parameterised generators (``T → T0``).
    Used at ``λ = 0`` only: for ``λ > 0`` the ridge lifts the small eigenvalues of ``Σ̂`` that
    drive the correction, and the plain equivalent is closer.
    """
    e = (df2 - df3) / (T - df2)
    return sigma**2 * df2 / (T - df2 - e)


def ridgeless_isotropic_bias() -> sp.Expr:
    """Exact bias of min-norm least squares for ``Σ = I``, ``T < d``: ``(1 − T/d)‖w0‖²``.

    Returned per unit ``‖w0‖²``. ``P = X⁺X`` is a uniformly random rank-``T`` projection.
    """
    return 1 - T / d


def ridgeless_isotropic_variance() -> sp.Expr:
    """Exact variance of min-norm least squares for ``Σ = I``, ``T <= d − 2``: ``σ² T/(d − T − 1)``.

    ``E tr (XXᵀ)⁻¹`` with ``XXᵀ ~ Wishart_T(d, I)``.
    """
    return sigma**2 * T / (d - T - 1)


def ridgeless_isotropic_trace() -> sp.Expr:
    """Exact ``E tr(PΣPΣ⁻¹) = E tr P = T`` for ``Σ = I``, ``T < d`` (collapse trace)."""
    return sp.sympify(T)
