"""Bias–variance decomposition of collapsed ridge regression (THEORY.md §3.1–§3.3).

Every function returns a SymPy expression in the symbols of :mod:`modelcollapse.theory.symbols`.
These expressions are the single source of truth: :mod:`modelcollapse.numerics.formulas`
lambdifies exactly these and nothing else.

Setting (Dohmatob, Feng & Kempe 2024, §3): ``n`` generations of OLS generators on ``T0`` samples
with label noise ``σ0``, then ridge ``λ`` on ``T`` samples with label noise ``σ``; ``x ~ N(0, Σ)``.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.theory.provenance import equivalent, exact, heuristic
from modelcollapse.theory.registry import named_result
from modelcollapse.theory.symbols import T0, T, bias_sum, d, df1, df2, df3, kappa, lam, n, sigma, sigma0

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
    "ridgeless_isotropic_kappa",
    "clean_error",
    "test_error_from_parts",
    "kappa_residual",
    "kappa_residual_log_slope",
    "kappa_residual_log_curvature",
    "log_derivative",
]


@named_result("kappa_equation", title="Fixed point of the effective regularisation", lhs="", provenance=equivalent(),
              source="Bach 2023; THEORY.md 3.3")
def kappa_equation() -> sp.Eq:
    """Fixed-point equation of the effective regularisation: ``κ − λ = κ df_1(κ)/T``.

    Source: Bach 2023 (arXiv:2303.01372), deterministic equivalent of ``λ(Σ̂+λ)⁻¹``.
    """
    return sp.Eq(kappa - lam, kappa * df1 / T)


@named_result("clean_bias", title="Clean bias of ridge regression", lhs="B", args=(kappa, bias_sum, df2, T),
              provenance=equivalent(), source="THEORY.md 3.3")
def clean_bias() -> sp.Expr:
    """Clean bias ``B = κ² Σ_j λ_j c_j²/(λ_j+κ)² / (1 − df_2/T)`` (deterministic equivalent)."""
    return kappa**2 * bias_sum / (1 - df2 / T)


@named_result("clean_variance", title="Clean variance of ridge regression", lhs="V", args=(sigma, df2, T),
              provenance=equivalent(), source="THEORY.md 3.3")
def clean_variance() -> sp.Expr:
    """Clean variance ``V = σ² df_2/(T − df_2)`` (deterministic equivalent)."""
    return sigma**2 * df2 / (T - df2)


@named_result("collapse_trace", title="Collapse trace of the downstream smoother A", args=(df1, df2, T, d),
              lhs=r"\mathbb{E}\operatorname{tr}(A^\top \Sigma A \Sigma^{-1})", provenance=equivalent(),
              source="THEORY.md 3.3; Dohmatob et al. 2024, Sec. 4")
def collapse_trace() -> sp.Expr:
    """Deterministic equivalent of ``E tr(AᵀΣAΣ⁻¹)``, ``A = (Σ̂+λ)⁻¹Σ̂``.

    ``df_2 (T + d − 2 df_1) / (T − df_2)``; derived step by step in
    :mod:`modelcollapse.theory.derivation`. Equals ``d`` at ``λ = 0, T > d`` and tends to 0 as
    ``λ → ∞``.
    """
    return df2 * (T + d - 2 * df1) / (T - df2)


@named_result("generator_factor", title="Generator factor of OLS generators, constant T0 and sigma0",
              lhs=r"n\sigma_0^2/(T_0-d-1)",
              args=(n, sigma0, T0, d), provenance=exact("exact (Gaussian design, T0 >= d+2; inverse-Wishart mean)"),
              source="THEORY.md 3.1-3.2")
def generator_factor() -> sp.Expr:
    """``Σ_k σ0_k² / (T0_k − d − 1)`` for constant ``T0, σ0``: ``n σ0²/(T0 − d − 1)``.

    Exact for Gaussian designs with ``T0 >= d + 2``: the chain's error ``δ = ŵ_n − w0`` has mean
    0 and covariance ``n σ0² Σ⁻¹/(T0 − d − 1)`` (mean of an inverse Wishart matrix).
    """
    return n * sigma0**2 / (T0 - d - 1)


@named_result("rho", title="Collapse per generation and unit generator noise variance", lhs=r"\rho",
              provenance=equivalent("deterministic equivalent with exact T0-d-1 prefactor"), source="THEORY.md 3.2-3.3")
def collapse_rho() -> sp.Expr:
    """``ρ = E tr(AᵀΣAΣ⁻¹)/(T0 − d − 1)``: collapse per generation per unit ``σ0²``.

    Deterministic equivalent of the trace with the exact finite-sample prefactor.
    """
    return collapse_trace() / (T0 - d - 1)


@named_result("collapse_term", title="Collapse term", lhs=r"n\sigma_0^2\rho",
              provenance=equivalent("deterministic equivalent with exact T0-d-1 prefactor"), source="THEORY.md 3.2-3.3")
def collapse_term() -> sp.Expr:
    """Collapse term ``n σ0² ρ`` (THEORY.md §3.2: it separates exactly from the clean error)."""
    return generator_factor() * collapse_trace()


@named_result("test_error", title="Test error of collapsed ridge regression (OLS generators, T0 > d+1)",
              lhs=r"E_{\mathrm{test}}", provenance=equivalent(),
              source="Dohmatob et al. 2024, Sec. 4; THEORY.md 3.2-3.3")
def test_error() -> sp.Expr:
    """``E_test = B + V + n σ0² ρ`` (deterministic equivalent, OLS generators ``T0 > d + 1``)."""
    return clean_bias() + clean_variance() + collapse_term()


@named_result("ols_variance", title="Exact variance of clean OLS (T >= d+2)", lhs="V", args=(sigma, T, d),
              provenance=exact("exact (Gaussian design, T >= d+2)"), source="THEORY.md 3.1")
def ols_variance() -> sp.Expr:
    """Exact variance of clean OLS (``λ = 0``, ``T >= d + 2``): ``σ² d/(T − d − 1)``.

    ``σ² E tr(Σ (XᵀX)⁻¹)`` with ``XᵀX ~ Wishart_d(T, Σ)``, whose inverse has mean ``Σ⁻¹/(T − d − 1)``.
    """
    return sigma**2 * d / (T - d - 1)


@named_result("ols_exact", title="Exact finite-sample test error of OLS on collapsed data", lhs=r"E_{\mathrm{test}}",
              args=(sigma, sigma0, n, T, T0, d), provenance=exact("exact (Gaussian design, T, T0 >= d+2)"),
              source="Dohmatob et al. 2024, Sec. 4; THEORY.md 3.1")
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
    args=(sigma, df2, df3, T),
    relation=r"\simeq",
    provenance=heuristic("deterministic equivalent with a heuristic (leave-one-out) finite-size correction: exact for "
                         "Sigma = cI; "
                         "measured within 2% of simulation for power laws; the downstream ridge now uses the 1/d "
                         "correction "
                         "of THEORY.md 3.9 (finite_size_variance), this form remains the generator noise of "
                         "over-parameterised generators"),
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


_MIN_NORM = exact("exact (Gaussian design, Sigma = I, T <= d-2; min-norm least squares)")


@named_result("ridgeless_isotropic_bias", title="Bias of min-norm least squares per unit teacher energy, Sigma = I",
              lhs=r"B/\lVert w_0\rVert^2", args=(T, d), provenance=_MIN_NORM, source="THEORY.md 3.4")
def ridgeless_isotropic_bias() -> sp.Expr:
    """Exact bias of min-norm least squares for ``Σ = I``, ``T < d``: ``(1 − T/d)‖w0‖²``.

    Returned per unit ``‖w0‖²``. ``P = X⁺X`` is a uniformly random rank-``T`` projection.
    """
    return 1 - T / d


@named_result("ridgeless_isotropic_variance", title="Variance of min-norm least squares, Sigma = I", lhs="V",
              args=(sigma, T, d), provenance=_MIN_NORM, source="THEORY.md 3.4")
def ridgeless_isotropic_variance() -> sp.Expr:
    """Exact variance of min-norm least squares for ``Σ = I``, ``T <= d − 2``: ``σ² T/(d − T − 1)``.

    ``E tr (XXᵀ)⁻¹`` with ``XXᵀ ~ Wishart_T(d, I)``.
    """
    return sigma**2 * T / (d - T - 1)


@named_result("ridgeless_isotropic_trace", title="Collapse trace of min-norm least squares, Sigma = I",
              lhs=r"\mathbb{E}\operatorname{tr}(P\Sigma P\Sigma^{-1})", args=(T,), provenance=_MIN_NORM,
              source="THEORY.md 3.4")
def ridgeless_isotropic_trace() -> sp.Expr:
    """Exact ``E tr(PΣPΣ⁻¹) = E tr P = T`` for ``Σ = I``, ``T < d`` (collapse trace)."""
    return sp.sympify(T)


@named_result("ridgeless_isotropic_kappa", title="Effective regularisation of min-norm least squares, Sigma = I, T < d",
              lhs=r"\kappa", args=(T, d),
              provenance=exact("exact (the ridgeless root d/T - 1 of the kappa equation for Sigma = I)"),
              source="THEORY.md 3.4")
def ridgeless_isotropic_kappa() -> sp.Expr:
    """``κ = (d − T)/T = φ − 1``: the root of ``df_1(κ) = d/(1+κ) = T`` (``Σ = I``, ``λ = 0``, ``T < d``)."""
    (root,) = sp.solve(sp.Eq(d / (1 + kappa), T), kappa)
    return sp.Mul(d - T, 1 / T, evaluate=False) if sp.simplify(root - (d - T) / T) == 0 else root


# -- the test error assembled from its parts (what every regime evaluates) ---------------------------
clean_error_sym = sp.Symbol("E_clean", real=True)
bias_part = sp.Symbol("B", nonnegative=True)
variance_part = sp.Symbol("V", nonnegative=True)
collapse_part = sp.Symbol("C", real=True)


@named_result("clean_error", title="Clean error: bias plus variance", lhs=r"E_{\mathrm{clean}}",
              args=(bias_part, variance_part),
              provenance=exact("exact (the bias-variance decomposition of the clean downstream error)"),
              source="THEORY.md 3.2")
def clean_error() -> sp.Expr:
    """``E_clean = B + V`` (exact decomposition, conditional on the design)."""
    return bias_part + variance_part


@named_result("test_error_from_parts", title="Test error: clean error plus collapse term", lhs=r"E_{\mathrm{test}}",
              args=(clean_error_sym, collapse_part),
              provenance=exact("exact (the collapse term separates from the clean error; THEORY.md 3.2)"),
              source="THEORY.md 3.2")
def test_error_from_parts() -> sp.Expr:
    """``E_test = E_clean + C``: the chain's error adds to the clean one (cross terms have mean 0)."""
    return clean_error_sym + collapse_part


# -- the κ fixed point as the solver sees it ---------------------------------------------------------
@named_result("kappa_residual", title="Relative residual of the kappa fixed point", lhs=r"h(\kappa)",
              args=(kappa, lam, df1, T), provenance=exact("exact (the kappa equation divided by kappa)"),
              source="Bach 2023; THEORY.md 3.3")
def kappa_residual() -> sp.Expr:
    """``h(κ) = 1 − df_1/T − λ/κ``: :func:`kappa_equation` divided by ``κ`` (increasing in ``κ``)."""
    eq = kappa_equation()
    return sp.expand((eq.lhs - eq.rhs) / kappa)


def log_derivative(expr: sp.Expr, order: int = 3) -> sp.Expr:
    """``d expr / d log κ`` for an expression in ``κ`` and ``df_1 … df_order`` (``λ``, ``T`` fixed).

    Uses ``κ d df_m/dκ = −m (df_m − df_{m+1})`` (``df_m = Σ_j λ_j^m/(λ_j+κ)^m``; exact).
    """
    dfs = (df1, df2, df3, sp.Symbol("df_4", positive=True))
    out = kappa * sp.diff(expr, kappa)
    for m, (dm, dnext) in enumerate(zip(dfs[:order], dfs[1:order + 1]), start=1):
        out += sp.diff(expr, dm) * (-m * (dm - dnext))
    return sp.expand(out)


@named_result("kappa_residual_log_slope", title="Log-slope of the kappa residual, dh/dlog(kappa)",
              lhs=r"\kappa\,h'(\kappa)",
              args=(kappa, lam, df1, df2, T), provenance=exact("exact (d df_1/d kappa = -(df_1 - df_2)/kappa)"),
              source="Bach 2023; THEORY.md 3.3")
def kappa_residual_log_slope() -> sp.Expr:
    """``κ h'(κ) = (df_1 − df_2)/T + λ/κ`` (> 0): uses ``κ d df_1/dκ = −Σ_j λ_jκ/(λ_j+κ)² = df_2 − df_1``."""
    return log_derivative(kappa_residual(), order=1)


@named_result("kappa_residual_log_curvature", title="Second log-derivative of the kappa residual",
              lhs=r"\frac{d^2 h}{d(\log\kappa)^2}",
              args=(kappa, lam, df1, df2, df3, T), provenance=exact("exact (d df_m/d log kappa = -m(df_m - df_{m+1}))"),
              source="Bach 2023; THEORY.md 3.3")
def kappa_residual_log_curvature() -> sp.Expr:
    """``d²h/du² = (3 df_2 − df_1 − 2 df_3)/T − λ/κ`` with ``u = log κ`` (the solver's Halley step)."""
    return log_derivative(kappa_residual_log_slope(), order=2)
