"""Closed forms for isotropic features ``Σ = I`` (THEORY.md §3.4; Marchenko–Pastur regime).

With ``λ_j = 1`` the spectral sums are ``df_m = d/(1+κ)^m`` and, for an isotropic teacher,
``S_B = ‖w0‖²/(1+κ)²`` (evaluated from the explicit sums of :mod:`modelcollapse.theory.spectral`).
Substituted into the general results of :mod:`modelcollapse.theory.collapse` with ``φ = d/T``,
``φ0 = d/T0``, everything is explicit: the ``κ`` equation becomes the quadratic
``κ² + κ(1 − λ − φ) − λ = 0``, and bias, variance and collapse are rational in ``κ`` and ``φ``.

All results are deterministic equivalents (proportional limit ``d, T, T0 → ∞`` at fixed ``φ, φ0``);
the finite-sample generator prefactor ``d/(T0 − d − 1)`` becomes ``φ0/(1 − φ0)``.
Sources: Dohmatob, Feng & Kempe 2024 (arXiv:2402.07712), §4; Bach 2023 (arXiv:2303.01372).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from modelcollapse.theory import collapse
from modelcollapse.theory.derivation import EQUIVALENT, Derivation, Step
from modelcollapse.theory.provenance import equivalent
from modelcollapse.theory.registry import named_result, register_derivation
from modelcollapse.theory.spectral import bias_sum_isotropic, df_isotropic_order
from modelcollapse.theory.symbols import T, bias_sum, d, df1, df2, kappa, lam, n, phi, phi0, sigma, sigma0, w0_norm

__all__ = [
    "isotropic", "kappa_quadratic", "test_error_isotropic_explicit", "optimal_ridge_lambda", "kappa_isotropic",
    "kappa_isotropic_stable", "dkappa_dlambda",
    "bias_isotropic", "variance_isotropic", "collapse_trace_isotropic", "generator_factor_isotropic",
    "collapse_isotropic", "test_error_isotropic", "explicit", "ols_isotropic", "ridgeless_overparameterised",
    "optimal_ridge_derivation", "optimal_ridge_condition", "optimal_ridge_weighted", "optimal_ridge_clean",
]

_b = 1 - lam - phi  # linear coefficient of the κ quadratic


def isotropic(expr: sp.Basic) -> sp.Basic:
    """Specialise a general result to ``Σ = I``, isotropic teacher, ``d = φT``.

    Substitutes ``df_m = d/(1+κ)^m`` and ``S_B = ‖w0‖²/(1+κ)²`` (from the explicit sums), then
    ``d = φ T``.
    """
    sub = {df1: df_isotropic_order(1), df2: df_isotropic_order(2), bias_sum: bias_sum_isotropic()}
    return expr.subs(sub).subs(d, phi * T)


@named_result("isotropic_kappa_equation", title="Fixed point of κ for Σ = I: a quadratic",
              lhs="", provenance=equivalent(), source="THEORY.md 3.4")
@lru_cache(maxsize=None)  # pure and immutable; SymPy simplification is slow
def kappa_quadratic() -> sp.Eq:
    """``κ² + κ(1 − λ − φ) − λ = 0``: the ``κ`` equation times ``(1+κ)`` for ``Σ = I``."""
    eq = collapse.kappa_equation()
    residual = sp.together(isotropic(eq.lhs - eq.rhs))  # (κ − λ) − κφ/(1+κ)
    numerator, denominator = sp.fraction(residual)
    if sp.simplify(denominator - (1 + kappa)) != 0:  # pragma: no cover
        raise AssertionError(f"unexpected denominator {denominator}")
    return sp.Eq(sp.collect(sp.expand(numerator), kappa), 0)


@named_result("isotropic_kappa", args=(phi, lam), title="Effective regularisation κ for Σ = I (the positive root)",
              lhs=r"\kappa",
              provenance=equivalent(), source="THEORY.md 3.4")
@lru_cache(maxsize=None)
def kappa_isotropic() -> sp.Expr:
    """The positive root ``κ = (λ + φ − 1 + √((1 − λ − φ)² + 4λ))/2`` of :func:`kappa_quadratic`.

    The product of the roots is ``−λ <= 0``, so exactly one root is positive for ``λ > 0``; at
    ``λ = 0`` it is ``max(φ − 1, 0)``. Selected from SymPy's solutions by its value at a sample
    point and checked against the displayed form.
    """
    eq = kappa_quadratic()
    k = sp.Symbol("k", real=True)
    roots = sp.solve(eq.lhs.subs(kappa, k), k)
    sample = {lam: sp.Rational(1, 3), phi: sp.Rational(1, 2)}
    positive = [r for r in roots if r.subs(sample).evalf() > 0]
    if len(positive) != 1:  # pragma: no cover
        raise AssertionError(f"expected one positive root, got {roots}")
    # kept unevaluated so that it prints as one fraction
    nice = sp.Mul(sp.Rational(1, 2), sp.Add(lam + phi - 1, sp.sqrt((lam + phi - 1) ** 2 + 4 * lam)), evaluate=False)
    if sp.simplify(positive[0] - nice) != 0:  # pragma: no cover
        raise AssertionError(f"root {positive[0]} differs from {nice}")
    return nice


@named_result("isotropic_kappa_stable", title="Effective regularisation κ for Σ = I, cancellation-free form",
              lhs=r"\kappa",
              args=(phi, lam), provenance=equivalent(), source="THEORY.md 3.4")
def kappa_isotropic_stable() -> sp.Expr:
    """The same root without cancellation, for numerics: ``max(−b, 0) + 2λ/(|b| + √(b² + 4λ))``.

    ``b = 1 − λ − φ``. Both terms are non-negative, so float64 keeps full relative precision even
    when ``κ ≈ λ/(1 − φ)`` is tiny (where the textbook form subtracts nearly equal numbers); what
    remains is the conditioning of ``κ`` itself near ``φ + λ ≈ 1``.
    """
    return sp.Max(-_b, 0) + 2 * lam / (sp.Abs(_b) + sp.sqrt(_b**2 + 4 * lam))


def dkappa_dlambda() -> sp.Expr:
    """``dκ/dλ = (1 + κ)/(2κ + 1 − λ − φ)``, by implicit differentiation of the quadratic.

    Positive: at the positive root ``2κ + 1 − λ − φ = √((1 − λ − φ)² + 4λ) > 0``.
    """
    q = kappa_quadratic().lhs
    return sp.factor(-sp.diff(q, lam) / sp.diff(q, kappa))


@named_result("isotropic_bias", args=(kappa, phi, w0_norm), title="Clean bias for Σ = I", lhs="B",
              provenance=equivalent(),
              source="THEORY.md 3.4")
@lru_cache(maxsize=None)
def bias_isotropic() -> sp.Expr:
    """``B = κ²‖w0‖²/((1+κ)² − φ)`` (``κ`` from :func:`kappa_isotropic`)."""
    return sp.factor(sp.simplify(isotropic(collapse.clean_bias())))


@named_result("isotropic_variance", args=(kappa, phi, sigma), title="Clean variance for Σ = I", lhs="V",
              provenance=equivalent(),
              source="THEORY.md 3.4")
@lru_cache(maxsize=None)
def variance_isotropic() -> sp.Expr:
    """``V = σ²φ/((1+κ)² − φ)``."""
    return sp.factor(sp.simplify(isotropic(collapse.clean_variance())))


@named_result("isotropic_collapse_trace", args=(kappa, phi), title="Collapse trace per dimension for Σ = I",
              lhs=r"\tfrac{1}{d}\,\mathbb{E}\operatorname{tr}(A^\top \Sigma A \Sigma^{-1})",
              provenance=equivalent(), source="THEORY.md 3.4")
@lru_cache(maxsize=None)
def collapse_trace_isotropic() -> sp.Expr:
    """``τ = ((1+φ)κ + 1 − φ)/((1+κ)((1+κ)² − φ))``: the collapse trace divided by ``d``."""
    return sp.factor(sp.simplify(isotropic(collapse.collapse_trace()) / (phi * T)))


def generator_factor_isotropic() -> sp.Expr:
    """``n σ0² φ0/(1 − φ0)``: the limit of ``n σ0² d/(T0 − d − 1)`` at fixed ``φ0 = d/T0 < 1``."""
    return n * sigma0**2 * phi0 / (1 - phi0)


@named_result("isotropic_collapse", title="Collapse term for Σ = I (proportional limit)", lhs=r"n\sigma_0^2\rho",
              provenance=equivalent("deterministic equivalent (proportional limit of the T0-d-1 prefactor)"),
              source="THEORY.md 3.4")
def collapse_isotropic() -> sp.Expr:
    """``n σ0² φ0/(1 − φ0) · τ`` with ``τ`` from :func:`collapse_trace_isotropic`."""
    return generator_factor_isotropic() * collapse_trace_isotropic()


@named_result("isotropic_test_error", title="Test error for Σ = I (proportional limit)", lhs=r"E_{\mathrm{test}}",
              provenance=equivalent(), source="THEORY.md 3.4")
def test_error_isotropic() -> sp.Expr:
    """``E_test = B + V + n σ0² φ0/(1 − φ0) · τ`` in ``κ, φ, φ0`` (``κ`` from :func:`kappa_isotropic`)."""
    return bias_isotropic() + variance_isotropic() + collapse_isotropic()


@named_result("isotropic_test_error_explicit", title="Test error for Σ = I, explicit in φ, φ0, λ (cancellation-free κ)",
              lhs=r"E_{\mathrm{test}}", args=(phi, phi0, lam, sigma, sigma0, n, w0_norm), provenance=equivalent(),
              source="THEORY.md 3.4")
def test_error_isotropic_explicit() -> sp.Expr:
    """:func:`test_error_isotropic` with :func:`kappa_isotropic_stable` inserted (float64 numerics)."""
    return explicit(test_error_isotropic(), stable=True)


def explicit(expr: sp.Expr, *, stable: bool = False) -> sp.Expr:
    """``expr`` with ``κ`` replaced by the positive root: explicit in ``φ, φ0, λ`` (and the noises).

    ``stable=True`` inserts :func:`kappa_isotropic_stable` (for numerics) instead of the
    textbook form.
    """
    return expr.subs(kappa, kappa_isotropic_stable() if stable else kappa_isotropic())


@named_result("isotropic_ols", args=(phi, phi0, sigma, sigma0, n),
              title="Proportional-limit OLS on collapsed data (Σ = I, λ → 0, φ < 1)",
              lhs=r"E_{\mathrm{test}}",
              provenance=equivalent("deterministic equivalent (limit of the exact OLS result)"),
              source="THEORY.md 3.1, 3.4")
@lru_cache(maxsize=None)
def ols_isotropic() -> sp.Expr:
    """``σ²φ/(1 − φ) + n σ0² φ0/(1 − φ0)``: the limit ``λ → 0`` of the isotropic test error, ``φ < 1``.

    Derived: with ``φ = 1 − ε`` (``ε > 0``) the root gives ``κ → 0``; then ``B → 0``, ``τ → 1``.
    Returned in the displayed form after checking that it equals the derived expression.
    """
    eps = sp.Symbol("epsilon", positive=True)
    kappa0 = sp.simplify(kappa_isotropic().subs(phi, 1 - eps).subs(lam, 0))
    if kappa0 != 0:  # pragma: no cover
        raise AssertionError(f"kappa(lambda=0, phi<1) = {kappa0}, expected 0")
    derived = test_error_isotropic().subs(kappa, 0)
    shown = sigma**2 * phi / (1 - phi) + n * sigma0**2 * phi0 / (1 - phi0)
    if sp.simplify(derived - shown) != 0:  # pragma: no cover
        raise AssertionError(f"OLS limit {derived} differs from {shown}")
    return shown


@named_result("isotropic_ridgeless_overparameterised",
              title="Clean ridgeless error for Σ = I, φ > 1 (min-norm interpolation)", lhs=r"E_{\mathrm{clean}}",
              provenance=equivalent("deterministic equivalent (limit of the exact min-norm result)"),
              source="THEORY.md 3.4")
@lru_cache(maxsize=None)
def ridgeless_overparameterised() -> sp.Expr:
    """``‖w0‖²(1 − 1/φ) + σ²/(φ − 1)`` at ``λ → 0``, ``φ > 1`` (``κ → φ − 1``).

    The proportional limit of the exact ``(1 − T/d)‖w0‖² + σ² T/(d − T − 1)``.
    """
    eps = sp.Symbol("epsilon", positive=True)
    kappa0 = sp.simplify(kappa_isotropic().subs(phi, 1 + eps).subs(lam, 0))
    if sp.simplify(kappa0 - eps) != 0:  # pragma: no cover
        raise AssertionError(f"kappa(lambda=0, phi>1) = {kappa0}, expected phi - 1")
    derived = (bias_isotropic() + variance_isotropic()).subs(kappa, phi - 1)
    shown = w0_norm**2 * (1 - 1 / phi) + sigma**2 / (phi - 1)
    if sp.simplify(derived - shown) != 0:  # pragma: no cover
        raise AssertionError(f"ridgeless limit {derived} differs from {shown}")
    return shown


# -- optimal ridge ------------------------------------------------------------------------------
@register_derivation("derivation_isotropic_optimal_ridge", derives="isotropic_optimal_ridge")
@lru_cache(maxsize=None)
def optimal_ridge_derivation() -> Derivation:
    """Optimal ridge for ``Σ = I`` as a function of ``n`` (THEORY.md §3.4).

    ``λ ↦ κ`` is increasing, so ``∂E/∂λ = 0`` iff ``∂E/∂κ = 0``. Solving that for ``‖w0‖²`` and
    using ``λ = κ(1 + κ − φ)/(1 + κ)`` (the quadratic solved for ``λ``) gives

        λ* ‖w0‖² = φσ² + n σ0² φ0/(1 − φ0) · g(κ*),   g(κ) = 1 + φ − 3φ/(1+κ) + φ²/(1+κ)³,

    an implicit equation (``κ*`` depends on ``λ*``). Its ``κ``-form is a quartic: SymPy's Ferrari
    roots exist but have about 11 000 operations each, so the implicit form is the useful one.
    For ``n = 0`` it is the classic ``λ* = φσ²/‖w0‖²``.
    ``g > 0`` (its minimum over the admissible ``κ`` is ``(1 − φ)²`` for ``φ < 1`` and
    ``(φ − 1)²/φ`` for ``φ > 1``), so synthetic data always move the optimum above the clean one.
    """
    c = sp.Symbol("c_n", nonnegative=True)  # n σ0² φ0/(1 − φ0), the generators' weight
    E = test_error_isotropic().subs(generator_factor_isotropic(), c)
    if E.has(n):  # pragma: no cover
        raise AssertionError("collapse term not of the form c_n * tau")
    lam_of_kappa = sp.solve(kappa_quadratic().lhs, lam)[0]
    condition = sp.factor(sp.numer(sp.together(sp.diff(E, kappa))))
    w2 = sp.Symbol("W", positive=True)  # stands for ‖w0‖² while solving
    w2_star = sp.solve(condition.subs(w0_norm**2, w2), w2)
    if len(w2_star) != 1:  # pragma: no cover
        raise AssertionError(f"expected one solution for |w0|^2, got {w2_star}")
    lam_w2 = sp.cancel(lam_of_kappa * w2_star[0])  # λ* ‖w0‖² as a function of κ*
    g = sp.apart(sp.cancel((lam_w2 - phi * sigma**2) / c), kappa)
    if sp.simplify(phi * sigma**2 + c * g - lam_w2) != 0:  # pragma: no cover
        raise AssertionError("optimal-ridge rearrangement failed")
    star = sp.Symbol("lambda^*", positive=True)
    optimum = phi * sigma**2 + generator_factor_isotropic() * g
    steps = (
        Step(name="weight", statement="abbreviate the generators' weight", lhs=c, rhs=generator_factor_isotropic()),
        Step(name="error", statement="test error in κ", lhs=sp.Symbol("E"), rhs=E, relation=EQUIVALENT),
        Step(name="lambda_of_kappa", statement="solve the κ quadratic for λ", lhs=lam, rhs=lam_of_kappa),
        Step(name="monotone", statement="implicit differentiation: dκ/dλ > 0, so ∂E/∂λ = 0 ⇔ ∂E/∂κ = 0",
             lhs=sp.Derivative(kappa, lam), rhs=dkappa_dlambda()),
        Step(name="condition", statement="numerator of ∂E/∂κ, a quartic in κ",
             lhs=sp.Symbol("N"), rhs=sp.collect(sp.expand(condition), kappa)),
        Step(name="optimum", statement="solve N = 0 for ‖w0‖², multiply by λ(κ), split off the noise",
             lhs=star * w0_norm**2, rhs=optimum, relation=EQUIVALENT),
        Step(name="clean", statement="n = 0: the classic optimum", lhs=star,
             rhs=sp.simplify(optimum.subs(n, 0) / w0_norm**2), relation=EQUIVALENT),
    )
    return Derivation(title="Optimal ridge for Σ = I with n generations of synthetic data", steps=steps,
                      source="THEORY.md 3.4")


@named_result("isotropic_optimal_ridge_lambda", title="Optimal ridge for Σ = I: λ* as a function of κ*",
              lhs=r"\lambda^{*}", args=(kappa, phi, phi0, sigma, sigma0, n, w0_norm),
              provenance=equivalent("deterministic equivalent; implicit, κ = κ(φ, λ*)"), source="THEORY.md 3.4")
def optimal_ridge_lambda() -> sp.Expr:
    """Right side of :func:`optimal_ridge_condition`: ``λ*`` given ``κ* = κ(φ, λ*)``."""
    return optimal_ridge_condition().rhs


def optimal_ridge_condition() -> sp.Eq:
    """``λ* = (φσ² + n σ0² φ0/(1 − φ0) · g(κ*))/‖w0‖²`` with ``κ* = κ(φ, λ*)`` (see
    :func:`optimal_ridge_derivation`)."""
    step = optimal_ridge_derivation()["optimum"]
    return sp.Eq(sp.Symbol("lambda^*", positive=True), step.rhs / w0_norm**2)


@named_result("isotropic_optimal_ridge", title="Optimal ridge for Σ = I with n generations: equation for λ*",
              lhs=r"\lambda^{*}\lVert w_0\rVert_{\Sigma}^{2}",
              provenance=equivalent("deterministic equivalent; implicit, κ = κ(φ, λ*)"), source="THEORY.md 3.4")
def optimal_ridge_weighted() -> sp.Expr:
    """``λ*‖w0‖² = φσ² + n σ0² φ0/(1 − φ0) · (1 + φ − 3φ/(1+κ*) + φ²/(1+κ*)³)``."""
    return optimal_ridge_derivation()["optimum"].rhs


@named_result("isotropic_optimal_ridge_clean", title="Optimal ridge for Σ = I on clean data (n = 0)",
              lhs=r"\lambda^*", provenance=equivalent(), source="THEORY.md 3.4")
def optimal_ridge_clean() -> sp.Expr:
    """``λ* = φσ²/‖w0‖²`` (derived, :func:`optimal_ridge_derivation` step ``clean``)."""
    return optimal_ridge_derivation()["clean"].rhs

