"""Finite-size (``1/d``) corrections of the clean bias, variance and collapse trace (THEORY.md §3.9).

A second-order Sherman–Morrison expansion of ``E(Σ̂ + λ)⁻¹`` for a real Gaussian design, linearised
about the first-order (proportional-limit) solution, gives per eigendirection, at the toolkit's
``κ`` (``p_j = λ_j/(λ_j + κ)``, ``df_m = Σ_j p_j^m``, ``D = T − df_2``)::

    E[(Σ̂+λ)⁻¹]_jj ≃ (1 − p_j) φ_j / λ,       φ_j = 1 + p_j²/D − p_j (df_2 − df_3)/D²
    λ² E[QΣQ]_jj/λ_j ≃ (1 − p_j)² K_j,       K_j = T/D + N_V/D⁴ + 4T p_j (df_3 − df_2)/D³ + 3T p_j²/D²

Its trace is the Bai–Silverstein (2004) real-case mean term of ``tr(Σ̂+λ)⁻¹``. The bias, variance
and collapse trace follow (closed forms in ``df_1..df_4`` and the teacher sums
``b_m = κ² Σ_j λ_j^(m−1) c_j²/(λ_j+κ)^m``). Every correction term carries the order marker ``ε``
(``ε = 1`` in the registered results): ``ε → 0`` gives back the first-order formulas of
:mod:`modelcollapse.theory.collapse` and :func:`modelcollapse.theory.overparam.downstream_gain`
(tests/test_finite_size.py asserts it symbolically).

Near ``λ = 0`` the variance and the trace are resummed (``x₁ + Δx + w Δx²/(x₁ − Δx)``, a [0/1]
Padé at ``λ = 0`` — exact there for OLS and ridgeless ``Σ = I`` — switched off across the hard-edge
boundary layer ``λ ≈ 0.15 μ₋``, ``μ₋`` the lower edge of the spectrum of ``Σ̂``). The constant
``0.15`` is calibrated (Σ = I, d = 50, T = 40, 45, 55), the one empirical element.

Source: this toolkit (issue 11; derivation and measurements in docs/THEORY.md §3.9); Bai & Silverstein, Ann. Probab.
2004.
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.theory import collapse
from modelcollapse.theory.derivation import EQUAL, EQUIVALENT, Derivation, Step
from modelcollapse.theory.provenance import exact, finite_size
from modelcollapse.theory.registry import named_result, register_derivation
from modelcollapse.theory.symbols import T, bias_sum, d, df1, df2, df3, kappa, lam, sigma

__all__ = [
    "df4", "b2", "b3", "b4", "p", "eps", "FINITE_SIZE", "EDGE_FRACTION",
    "noise_numerator", "phi_factor", "second_moment_factor", "variance", "bias", "trace", "shrink", "gain",
    "trace_correction", "resummed", "edge_weight", "lower_edge", "lower_edge_equation", "first_order_limit",
]

FINITE_SIZE = finite_size("deterministic equivalent with 1/d correction")
_SOURCE = "THEORY.md 3.9; this toolkit (second-order Sherman-Morrison; Bai & Silverstein 2004 mean term)"
EDGE_FRACTION = sp.Rational(15, 100)  # λ_e = 0.15 μ₋: calibrated on the Σ = I sweep (d = 50, T = 40, 45, 55)

df4 = sp.Symbol("df_4", positive=True)
b2 = sp.Symbol("b_2", nonnegative=True)  # κ² Σ_j λ_j c_j²/(λ_j+κ)² = κ² S_B
b3 = sp.Symbol("b_3", nonnegative=True)  # κ² Σ_j λ_j² c_j²/(λ_j+κ)³
b4 = sp.Symbol("b_4", nonnegative=True)  # κ² Σ_j λ_j³ c_j²/(λ_j+κ)⁴
p = sp.Symbol("p_j", positive=True)  # λ_j/(λ_j + κ) at the downstream κ
eps = sp.Symbol("epsilon", nonnegative=True)  # order marker of the 1/d terms (1 in every registered result)
x1 = sp.Symbol("x_1", real=True)  # first-order value
dx = sp.Symbol(r"\Delta x", real=True)  # its 1/d correction
w = sp.Symbol("w", nonnegative=True)  # resummation weight
mu = sp.Symbol("mu_-", real=True)  # lower edge of the spectrum of Σ̂

_D = T - df2


def noise_numerator() -> sp.Expr:
    """``N_V = 3T²df₄ − 2T²df₃ + 3T df₂² − 6T df₂df₃ − 3T df₂df₄ + 4T df₃² + df₂³``."""
    return (3 * T**2 * df4 - 2 * T**2 * df3 + 3 * T * df2**2 - 6 * T * df2 * df3 - 3 * T * df2 * df4
            + 4 * T * df3**2 + df2**3)


def phi_factor(order=eps) -> sp.Expr:
    """``φ_j = 1 + ε[p_j²/D − p_j(df₂ − df₃)/D²]``: ``λ E[(Σ̂+λ)⁻¹]_jj ≃ (1 − p_j) φ_j``."""
    return 1 + order * (p**2 / _D - p * (df2 - df3) / _D**2)


def second_moment_factor(order=eps) -> sp.Expr:
    """``K_j = T/D + ε[N_V/D⁴ + 4T p_j(df₃ − df₂)/D³ + 3T p_j²/D²]``: ``λ²E[QΣQ]_jj/λ_j ≃ (1−p_j)² K_j``."""
    return T / _D + order * (noise_numerator() / _D**4 + 4 * T * p * (df3 - df2) / _D**3 + 3 * T * p**2 / _D**2)


def _sum_over_directions(expr: sp.Expr, weight_power: int) -> sp.Expr:
    """``Σ_j (1 − p_j)^a · expr(p_j)`` (``expr`` polynomial in ``p_j``) in spectral sums (``Σ_j p_j^k = df_k``)."""
    dfs = {0: d, 1: df1, 2: df2, 3: df3, 4: df4}
    poly = sp.Poly(sp.expand((1 - p) ** weight_power * expr), p)
    return sp.Add(*(c * dfs[k] for (k,), c in poly.terms()))


def _bias_sum_over_directions(expr: sp.Expr) -> sp.Expr:
    """``Σ_j λ_j c_j² (1 − p_j)² expr(p_j)`` in teacher sums (``Σ_j λ_j c_j²(1−p_j)² p_j^k = b_(k+2)``)."""
    bs = {0: b2, 1: b3, 2: b4}
    poly = sp.Poly(sp.expand(expr), p)
    return sp.Add(*(c * bs[k] for (k,), c in poly.terms()))


def _variance(order=eps) -> sp.Expr:
    return sigma**2 * (df2 / _D + order * noise_numerator() / _D**4)


def _bias(order=eps) -> sp.Expr:
    return _bias_sum_over_directions(second_moment_factor(order))


def _shrink(order=eps) -> sp.Expr:
    return 1 - (1 - p) * phi_factor(order)


def _gain(order=eps) -> sp.Expr:
    return 1 - 2 * (1 - p) * phi_factor(order) + (1 - p) ** 2 * second_moment_factor(order)


def _trace(order=eps) -> sp.Expr:
    """``Σ_j γ_j = d − 2Σ_j(1−p_j)φ_j + Σ_j (1−p_j)² K_j`` in spectral sums."""
    phi_part = _sum_over_directions(sp.expand(phi_factor(order) * _D**2), 1) / _D**2
    k_part = _sum_over_directions(sp.expand(second_moment_factor(order) * _D**4), 2) / _D**4
    return d - 2 * phi_part + k_part


def first_order_limit(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every ``1/d`` correction dropped (``ε → 0``)."""
    return expr.subs(eps, 0)


_C = {eps: 1}
_PROV = FINITE_SIZE


@named_result("finite_size_noise_numerator", title="Numerator of the 1/d correction of the variance", lhs="N_V",
              args=(T, df2, df3, df4), provenance=_PROV, source=_SOURCE)
def _noise_numerator_result() -> sp.Expr:
    """``N_V``: the variance correction is ``σ² N_V/(T − df₂)⁴``."""
    return noise_numerator()


@named_result("finite_size_variance", title="Clean variance of ridge regression with its 1/d correction", lhs="V",
              args=(sigma, T, df2, df3, df4), provenance=_PROV, source=_SOURCE, relation=r"\simeq")
def variance() -> sp.Expr:
    """``V = σ²[df₂/D + N_V/D⁴]``, ``D = T − df₂`` (linear order; resummed near ``λ = 0``, see
    ``finite_size_resummed``).

    Σ = I ridgeless gives ``T/(d−T) + T/(d−T)²`` (the expansion of the exact ``T/(d−T−1)``).
    Measured (d = 40–200, tests/test_finite_size_simulation.py, THEORY.md §3.9): within 0.8%.
    """
    return _variance().subs(_C)


@named_result("finite_size_variance_correction", title="1/d correction of the clean variance", lhs=r"\Delta V",
              args=(sigma, T, df2, df3, df4), provenance=_PROV, source=_SOURCE)
def variance_correction() -> sp.Expr:
    """``ΔV = σ² N_V/D⁴``."""
    return sp.expand(_variance() - first_order_limit(_variance())).subs(_C)


@named_result("finite_size_bias", title="Clean bias of ridge regression with its 1/d correction", lhs="B",
              args=(T, df2, df3, df4, b2, b3, b4), provenance=_PROV, source=_SOURCE, relation=r"\simeq")
def bias() -> sp.Expr:
    """``B = T b₂/D + N_V b₂/D⁴ + 4T(df₃ − df₂) b₃/D³ + 3T b₄/D²`` (``b_m = κ² Σ_j λ_j^(m−1) c_j²/(λ_j+κ)^m``).

    ``= Σ_j λ_j c_j² (1 − p_j)² K_j``; linear order only (its correction has no pole).
    """
    return _bias().subs(_C)


@named_result("finite_size_trace", title="Collapse trace of the downstream smoother with its 1/d correction",
              lhs=r"\mathbb{E}\operatorname{tr}(A^\top \Sigma A \Sigma^{-1})", args=(T, d, df1, df2, df3, df4),
              provenance=_PROV, source=_SOURCE, relation=r"\simeq")
def trace() -> sp.Expr:
    """``ρ_trace = Σ_j γ_j = d − 2Σ_j(1 − p_j)φ_j + Σ_j(1 − p_j)²K_j`` in ``df₁..df₄`` (linear order)."""
    return _trace().subs(_C)


def _correction(expr: sp.Expr) -> sp.Expr:
    """The ``1/d`` part of ``expr`` alone, ``expr(ε = 1) − expr(ε = 0)``, expanded so that the O(1)
    terms (``d − 2d + d`` in the trace, ``1 − 2 + 1`` in ``γ_j``) cancel symbolically, not in float64:
    at a large ridge the trace is ``O(df_2)`` and the cancelling form loses every digit."""
    return sp.together(sp.expand(expr.subs(eps, 1) - expr.subs(eps, 0)))


@named_result("finite_size_trace_correction", title="The 1/d correction of the collapse trace alone",
              lhs=r"\Delta\rho", args=(T, d, df1, df2, df3, df4), provenance=_PROV, source=_SOURCE,
              relation=r"\simeq")
def trace_correction() -> sp.Expr:
    """``Δρ = finite_size_trace − collapse_trace``, without their cancelling ``O(d)`` parts."""
    return _correction(_trace())


@named_result("finite_size_shrink", title="Mean of the downstream smoother with its 1/d correction, E A_jj",
              lhs=r"a_j", args=(p, T, df2, df3), provenance=_PROV, source=_SOURCE, relation=r"\simeq")
def shrink() -> sp.Expr:
    """``a_j = E A_jj ≃ 1 − (1 − p_j) φ_j``, written ``p_j + Δa_j`` (no cancelling ``1 − 1`` at small ``p_j``)."""
    return p + _correction(_shrink())


@named_result("finite_size_gain",
              title="Second moment of the downstream smoother with its 1/d correction, E(AᵀΣA)_jj/λ_j",
              lhs=r"\gamma_j", args=(p, T, df2, df3, df4), provenance=_PROV, source=_SOURCE, relation=r"\simeq")
def gain() -> sp.Expr:
    """``γ_j ≃ 1 − 2(1 − p_j)φ_j + (1 − p_j)² K_j`` (``Σ_j γ_j`` is ``finite_size_trace``), written
    ``p_j² + (1 − p_j)² df₂/D + Δγ_j``: the first-order part without the cancelling ``1 − 2 + 1``."""
    return p**2 + (1 - p) ** 2 * df2 / _D + _correction(_gain())


@named_result("finite_size_resummed", title="Resummation of a 1/d correction near the hard edge", lhs="x",
              args=(x1, dx, w), provenance=_PROV, source=_SOURCE)
def resummed() -> sp.Expr:
    """``x = x₁ + Δx + w Δx²/(x₁ − Δx)``: the [0/1] Padé ``x₁²/(x₁ − Δx)`` at ``w = 1``, linear at ``w = 0``.

    At ``λ = 0`` (``w = 1``) exact for OLS (``d/(T − d − 1)``) and ridgeless ``Σ = I`` (``T/(d − T − 1)``).
    """
    return x1 + dx + w * dx**2 / (x1 - dx)


@named_result("finite_size_edge_weight", title="Weight of the resummation across the hard-edge boundary layer", lhs="w",
              args=(lam, mu),
              provenance=finite_size("calibrated: lambda_e = 0.15 mu_- from the Sigma = I sweep, d = 50"),
              source=_SOURCE)
def edge_weight() -> sp.Expr:
    """``w = exp(−λ/λ_e)``, ``λ_e = 0.15 μ₋`` (``μ₋ > 0``; at ``μ₋ = 0``, ``T = d``, the weight is 0 for ``λ > 0``)."""
    return sp.exp(-lam / (EDGE_FRACTION * mu))


@named_result("lower_edge_equation", title="Lower edge of the spectrum of the sample covariance: where df_2 = T",
              lhs="",
              provenance=exact("exact for the first-order (Marchenko-Pastur type) spectrum of the sample covariance"),
              source=_SOURCE)
def lower_edge_equation() -> sp.Eq:
    """``df₂(κ*) = T``: the minimum of ``λ(κ) = κ(1 − df₁(κ)/T)`` continued to ``λ < 0`` (``κ* ∈ (−λ_min, ∞)``)."""
    return sp.Eq(df2, T)


@named_result("lower_edge", title="Lower edge of the spectrum of the sample covariance", lhs=r"\mu_-",
              args=(kappa, df1, T), provenance=exact("exact for the first-order spectrum of the sample covariance"),
              source=_SOURCE)
def lower_edge() -> sp.Expr:
    """``μ₋ = κ*(df₁(κ*)/T − 1)`` at the root of ``lower_edge_equation`` (Σ = I: ``(1 − √(d/T))²``)."""
    return kappa * (df1 / T - 1)


# -- derivations: first order + correction, and the limit that drops the correction ------------------
def _derivation(
    title: str, name: str, lhs: sp.Basic, expanded: sp.Expr, first_order: sp.Expr, first_name: str
) -> Derivation:
    steps = (
        Step(name="resolvent", statement="second-order Sherman-Morrison, linearised about the first order "
             "(trace: Bai-Silverstein 2004 real-case mean term)",
             lhs=sp.Symbol(r"\lambda\,\mathbb{E}[(\hat\Sigma+\lambda)^{-1}]_{jj}"), rhs=(1 - p) * phi_factor(),
             relation=EQUIVALENT),
        Step(name="second_moment", statement="derivative along Lambda = lambda + t Sigma at t = 0",
             lhs=sp.Symbol(r"\lambda^2\mathbb{E}[Q\Sigma Q]_{jj}/\lambda_j"), rhs=(1 - p) ** 2 * second_moment_factor(),
             relation=EQUIVALENT),
        Step(name="first_plus_correction", statement="sum over eigendirections (sum_j p_j^m = df_m); "
             "epsilon marks the 1/d terms", lhs=lhs, rhs=expanded, relation=EQUIVALENT),
        Step(name="first_order_limit", statement=f"epsilon -> 0 drops the correction: the first-order {first_name}",
             lhs=lhs.subs(eps, 0) if isinstance(lhs, sp.Expr) else lhs, rhs=first_order, relation=EQUIVALENT),
        Step(name="corrected", statement="epsilon = 1", lhs=lhs, rhs=expanded.subs(_C), relation=EQUAL),
    )
    return Derivation(title=title, steps=steps, source=_SOURCE)


_V, _B, _RHO = sp.Symbol("V"), sp.Symbol("B"), sp.Symbol(r"\rho_{\mathrm{trace}}")


@register_derivation("finite_size_variance_derivation", derives="finite_size_variance")
def variance_derivation() -> Derivation:
    """The variance: ``σ²df₂/D`` (first order, ``clean_variance``) ``+ ε σ²N_V/D⁴``."""
    return _derivation("Clean variance with its 1/d correction", "variance", _V, _variance(),
                       collapse.clean_variance(), "clean_variance")


@register_derivation("finite_size_bias_derivation", derives="finite_size_bias")
def bias_derivation() -> Derivation:
    """The bias: ``T b₂/D`` (``clean_bias`` with ``b₂ = κ² S_B``) ``+ ε[...]``."""
    return _derivation("Clean bias with its 1/d correction", "bias", _B, _bias(),
                       collapse.clean_bias().subs(bias_sum, b2 / kappa**2), "clean_bias")


@register_derivation("finite_size_trace_derivation", derives="finite_size_trace")
def trace_derivation() -> Derivation:
    """The collapse trace: ``collapse_trace`` ``+ ε[...]``."""
    return _derivation("Collapse trace with its 1/d correction", "trace", _RHO, _trace(),
                       collapse.collapse_trace(), "collapse_trace")
