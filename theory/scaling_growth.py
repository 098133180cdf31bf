"""Growing synthetic noise: the paper's Corollary 5.2 and Appendix G (THEORY.md §3.12).

Setting of :mod:`modelcollapse.theory.scaling` (``λ_j = j^(−β)``, source teacher ``r``, ridge
``λ = T^(−ℓ)``, OLS generators of ``T0 = τ T^a`` samples, ``d = φ0 T0``) with, in addition, the
synthetic noise growing with the sample size: ``n σ0² ≍ T^(a_σ)``. **Names:** the paper writes
``T0 ≍ T^b`` and ``n σ0² ≍ T^a``; this toolkit's ``a`` (``scaling --a``) is the paper's ``b`` and its
``a_σ`` (``scaling --collapse-growth``) is the paper's ``a``.

The collapse term ``n σ0² ρ``, ``ρ ≍ T^(−(min(a,1) − ℓ_eff/β))`` (:func:`scaling.collapse_exponent`),
becomes ``≍ T^(−c_C)`` with

    c_C = min(a, 1) − a_σ − min(ℓ, β)/β,

and ``c_V = 1 − min(ℓ,β)/β >= c_C`` (``a_σ >= 0``): the variance never dominates it. Writing
``B = min(a, 1)``, ``r' = min(r, 1)`` and ``c = 2βr'/(1 + 2βr')`` (the clean slow rate), SymPy derives:

* ``ℓ* = min((B − a_σ) ℓ_crit, β)`` (bias = collapse); the rate ``(B − a_σ)·c`` (Corollary 5.2);
* keeping ``ℓ = ℓ_crit``: the exponent ``c + B − a_σ − 1`` — the error **diverges** when
  ``B < a_σ + 1 − c`` and vanishes only when ``B > a_σ + 1/(1 + 2βr')`` (Appendix G);
* the error's exponent at any ``ℓ`` (Appendix G's two regimes): ``min(2ℓr', B − a_σ − ℓ/β)`` for
  ``ℓ <= ℓ_crit``, ``min(1, B − a_σ) − min(ℓ,β)/β`` above.

Domain: ``a_σ <= B``. At ``a_σ = B`` the best rate is 0 (a plateau); for ``a_σ > B`` the synthetic
noise outgrows the generators and the error grows with ``T`` whatever ``ℓ`` — no rate exists (the
numeric layer refuses it). **Against the paper:** for ``a <= 1`` the laws are the paper's with
``b = a``; for ``a > 1`` the paper's ``b − a`` becomes ``1 − a_σ`` here, because the collapse term's
``φ0`` part (``ρ ≈ (df_2/T)(T/T0 + φ0)/(1 − φ0)``) stops it decaying faster than the variance; the cap
at ``β`` of ``ℓ*`` therefore never binds in this model (``(B − a_σ) ℓ_crit <= ℓ_crit < β``). The paper's
printed "diverges to infinity if ``b >= a + 1 − c``" (after its Corollary 5.2) has its inequality reversed:
the exponent ``c + b − a − 1`` is negative (divergence) exactly when ``b < a + 1 − c``, which is also
Appendix G's vanishing condition read backwards. The slopes of the deterministic equivalent decide
(tests/test_scaling_growth.py: every exponent to 0.03 between ``T = 10⁶`` and ``10⁹``).
"""

from __future__ import annotations

import sympy as sp

from modelcollapse.theory import scaling as base
from modelcollapse.theory.provenance import asymptotic
from modelcollapse.theory.registry import named_result
from modelcollapse.theory.symbols import beta

__all__ = ["a_sigma", "B_EFF", "collapse_exponent_growth", "ell_opt_growth", "rate_collapse_growth",
           "rate_at_ell_crit", "vanishing_threshold", "error_exponent", "slow_rate"]

a_sigma = sp.Symbol("a_sigma", nonnegative=True)  # n σ0² ≍ T^(a_σ): the paper's a
B_EFF = base.A_EFF  # min(a, 1): the generators' effective size exponent (the paper's b, saturated at 1)
PROVENANCE = "asymptotic (T -> infinity, d = phi0 T0, n sigma0^2 ~ T^a_sigma, a_sigma <= min(a,1))"
SOURCE = "Dohmatob, Feng & Kempe 2024, Corollary 5.2 and Appendix G; THEORY.md 3.12"


def _tidy(expr: sp.Expr) -> sp.Expr:
    """``expr``, affine in ``a_σ`` and ``min(a,1)``, written as ``x a_σ + y min(a,1) + z`` with simplified ``x, y,
    z``."""
    expr = sp.expand(expr)
    out, rest = sp.S.Zero, expr
    for sym in (B_EFF, a_sigma):
        coeff = sp.simplify(expr.coeff(sym))
        out += coeff * sym
        rest -= expr.coeff(sym) * sym
    return out + sp.simplify(sp.expand(rest))


def slow_rate() -> sp.Expr:
    """``c = 2βr'/(1 + 2βr')``: the clean noisy rate (:func:`scaling.rate_clean`)."""
    return base.rate_clean()


@named_result("scaling_growth_collapse_exponent", title="Exponent of the collapse term with growing synthetic noise",
              lhs=r"c_C", provenance=asymptotic(PROVENANCE), source=SOURCE)
def collapse_exponent_growth() -> sp.Expr:
    """``c_C = min(a,1) − a_σ − min(ℓ,β)/β``: :func:`scaling.collapse_exponent` times ``n σ0² ≍ T^(a_σ)``."""
    return base.collapse_exponent() - a_sigma


def _ell_balance() -> sp.Expr:
    """``(min(a,1) − a_σ) ℓ_crit``: where ``c_B = c_C`` on the branch ``ℓ <= β``."""
    return sp.factor(base._balance(base.bias_exponent(), collapse_exponent_growth()))


@named_result("scaling_growth_ell_opt", title="Optimal ridge exponent with growing synthetic noise (Corollary 5.2)",
              lhs=r"\ell^{*}", provenance=asymptotic(PROVENANCE), source=SOURCE)
def ell_opt_growth() -> sp.Expr:
    """``ℓ* = min((min(a,1) − a_σ) ℓ_crit, β)``: bias = collapse (the variance never dominates, ``c_V >= c_C``)."""
    return sp.Min(_ell_balance(), beta)


@named_result("scaling_growth_rate", title="Best error exponent with growing synthetic noise (Corollary 5.2)",
              lhs=r"c_{\mathrm{collapse}}", provenance=asymptotic(PROVENANCE), source=SOURCE)
def rate_collapse_growth() -> sp.Expr:
    """``(min(a,1) − a_σ)·2βr'/(1+2βr')``: the bias exponent at ``ℓ* = (min(a,1) − a_σ) ℓ_crit <= ℓ_crit < β``."""
    return sp.factor(base.bias_exponent().subs(base.ELL_EFF, base.ell).subs(base.ell, _ell_balance()))


@named_result("scaling_growth_rate_at_ell_crit",
              title="Error exponent keeping ell = ell_crit with growing synthetic noise",
              lhs=r"c(\ell_{\mathrm{crit}})", provenance=asymptotic(PROVENANCE), source=SOURCE)
def rate_at_ell_crit() -> sp.Expr:
    """``c + min(a,1) − a_σ − 1`` (negative: the error diverges): the smallest exponent at ``ℓ = ℓ_crit``.

    ``c_B = c_V = c`` there and ``c_C = min(a,1) − a_σ − ℓ_crit/β = c − 1 + min(a,1) − a_σ <= c``.
    """
    ell_c = base.ell_crit()
    terms = [e.subs(base.ELL_EFF, base.ell).subs(base.ell, ell_c)
             for e in (base.bias_exponent(), base.variance_exponent(), collapse_exponent_growth())]
    collapse_term = sp.simplify(terms[2])
    for other in terms[:2]:  # the collapse term is the smallest: c_C − c = min(a,1) − a_σ − 1 <= 0
        if sp.simplify(collapse_term - other - (B_EFF - a_sigma - 1)) != 0:  # pragma: no cover
            raise AssertionError(f"rate at ell_crit: {collapse_term} vs {other}")
    return _tidy(collapse_term)


@named_result("scaling_growth_vanishing_threshold",
              title="Generator exponent above which the error at ell_crit vanishes",
              lhs=r"\min(a,1)_{\mathrm{min}}", provenance=asymptotic(PROVENANCE), source=SOURCE)
def vanishing_threshold() -> sp.Expr:
    """``a_σ + 1/(1 + 2βr')`` (``= a_σ + 1 − c``): the root in ``min(a,1)`` of :func:`rate_at_ell_crit`.

    Below it the error at ``ℓ_crit`` diverges, above it vanishes (Appendix G: ``b > a + 1/(2βr + 1)``).
    """
    b_sym = sp.Symbol("B_", positive=True)
    (root,) = sp.solve(sp.Eq(rate_at_ell_crit().subs(B_EFF, b_sym), 0), b_sym)
    return _tidy(root)


@named_result("scaling_growth_error_exponent",
              title="Error exponent at any ell with growing synthetic noise (Appendix G)",
              lhs=r"c(\ell)", provenance=asymptotic(PROVENANCE), source=SOURCE)
def error_exponent() -> sp.Expr:
    """Appendix G's two regimes: ``min(2ℓr', B − a_σ − ℓ/β)`` (``ℓ <= ℓ_crit``), else ``min(1, B − a_σ) − ℓ_eff/β``.

    Built from the regimes, not from the terms; tests/test_scaling_growth.py checks it equals
    ``min(c_B, c_V, c_C)`` everywhere in the domain.
    """
    ell = base.ell
    below = sp.Min(2 * ell * base.R_EFF, B_EFF - a_sigma - ell / beta)
    above = sp.Min(1, B_EFF - a_sigma) - base.ELL_EFF / beta
    return sp.Piecewise((below, sp.Le(ell, base.ell_crit())), (above, True))
