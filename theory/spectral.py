"""The spectral sums as explicit ``Sum``s over eigenvalues (THEORY.md §3.3).

General results use ``df_1, df_2, S_B`` as plain symbols (what the numeric layer substitutes)
or as opaque functions of ``κ``; for a concrete spectrum they are the finite sums below, indexed
by ``j = 1..d`` over the eigenvalues ``λ_j`` of ``Σ`` and the teacher coefficients ``c_j``.

Source: Bach 2023 (arXiv:2303.01372), degrees of freedom of ridge regression.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from modelcollapse.theory.provenance import exact
from modelcollapse.theory.registry import named_result
from modelcollapse.theory.symbols import bias_sum, coef, d, df1, df1_of, df2, df2_of, eigenvalue, j, kappa, w0_norm

__all__ = [
    "df_sum", "bias_sum_explicit", "explicit_sums", "as_functions", "isotropic_spectrum", "df_isotropic",
    "df_isotropic_order", "bias_sum_isotropic",
]


def df_sum(m) -> sp.Sum:
    """``df_m(κ) = Σ_{j=1}^d (λ_j/(λ_j+κ))^m`` as an unevaluated SymPy ``Sum``."""
    return sp.Sum((eigenvalue[j] / (eigenvalue[j] + kappa)) ** m, (j, 1, d))


def bias_sum_explicit() -> sp.Sum:
    """``S_B(κ) = Σ_{j=1}^d λ_j c_j²/(λ_j+κ)²`` (so that the clean bias is ``κ² S_B/(1 − df_2/T)``)."""
    return sp.Sum(eigenvalue[j] * coef[j] ** 2 / (eigenvalue[j] + kappa) ** 2, (j, 1, d))


def explicit_sums(expr: sp.Basic) -> sp.Basic:
    """``expr`` with the symbols ``df_1, df_2, S_B`` replaced by their explicit sums over ``j``."""
    return expr.xreplace({df1: df_sum(1), df2: df_sum(2), bias_sum: bias_sum_explicit()})


def as_functions(expr: sp.Basic) -> sp.Basic:
    """``expr`` with ``df_1, df_2`` replaced by the opaque functions ``df_1(κ), df_2(κ)`` (for calculus in ``κ``)."""
    return expr.xreplace({df1: df1_of(kappa), df2: df2_of(kappa)})


def isotropic_spectrum(expr: sp.Basic) -> sp.Basic:
    """Evaluate the explicit sums in ``expr`` for ``Σ = I`` and an isotropic teacher.

    ``λ_j = 1`` and ``c_j² = ‖w0‖²/d`` (all equal, ``Σ_j c_j² = ‖w0‖²``); the sums then have
    constant summands and SymPy evaluates them in closed form.
    """
    return expr.xreplace({eigenvalue[j]: sp.Integer(1), coef[j]: w0_norm / sp.sqrt(d)}).doit()


@named_result("df_isotropic", title="Degrees of freedom for Σ = I", lhs=r"\operatorname{df}_m(\kappa)",
              provenance=exact("exact (the definition at λⱼ = 1)"), source="THEORY.md 3.3-3.4")
@lru_cache(maxsize=None)  # pure and immutable; SymPy simplification is slow
def df_isotropic() -> sp.Expr:
    """``df_m(κ) = d/(1+κ)^m`` for ``Σ = I``, evaluated from the explicit sum (``m`` symbolic)."""
    m = sp.Symbol("m", positive=True, integer=True)
    return sp.simplify(isotropic_spectrum(df_sum(m)))


@lru_cache(maxsize=None)
def df_isotropic_order(m: int) -> sp.Expr:
    """``df_m(κ) = d/(1+κ)^m`` for ``Σ = I`` and a concrete order ``m`` (from the explicit sum)."""
    return sp.simplify(isotropic_spectrum(df_sum(m)))


@lru_cache(maxsize=None)
def bias_sum_isotropic() -> sp.Expr:
    """``S_B = ‖w0‖²/(1+κ)²`` for ``Σ = I`` and an isotropic teacher (from the explicit sum)."""
    return sp.simplify(isotropic_spectrum(bias_sum_explicit()))
