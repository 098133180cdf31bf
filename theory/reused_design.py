"""A reused design matrix: one ``X`` serves every generation (THEORY.md §3.10; the paper's Theorem 4.5, Figure 2).

The chain. ``ŵ_0 = w0``; one design ``X`` (``T0 × d``, drawn once); generation ``k`` fits the labels
``X ŵ_{k−1} + σ0_k ε_k`` (fresh noise) on the same ``X``; the downstream draws its own rows.

**Ridgeless generators: an exact reduction to one fresh generation.** ``ŵ_k = X⁺(Xŵ_{k−1} + σ0_k ε_k)``
and ``X⁺XX⁺ = X⁺`` (Moore–Penrose) give ``ŵ_n = X⁺X w0 + X⁺(σ0_1 ε_1 + … + σ0_n ε_n)``: in law,
**one** fresh generation on ``X`` with noise level ``σ̃0² = Σ_k σ0_k²``. Every downstream therefore
sees exactly the chain of a single generation (any ``Σ``, ``w0``, downstream ridge or real share):

* ``T0 >= d + 2`` (OLS): ``e_n = σ̃0² E tr(Σ(XᵀX)⁻¹) = σ̃0² d/(T0 − d − 1)`` — the same number as ``n``
  fresh OLS generations (the variances add; the designs do not multiply);
* ``T0 <= d − 2`` (minimum norm): ``e_n = E‖(I − P)w0‖²_Σ + σ̃0² E tr(Σ X⁺X⁺ᵀ)``, ``P = X⁺X``: the
  projection bias is paid once and is constant in ``n`` (``Σ = cI``: ``(1 − T0/d)‖w0‖²_Σ``), the noise
  grows linearly (``Σ = cI``: ``n σ0² T0/(d − T0 − 1)``), against fresh designs' exponential
  ``(1 − (T0/d)^n)‖w0‖²``.

Every function returns a SymPy object; :mod:`modelcollapse.numerics.formulas` evaluates them by name.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from modelcollapse.theory.derivation import EQUAL, Derivation, Step
from modelcollapse.theory.provenance import exact
from modelcollapse.theory.registry import named_result, register_derivation
from modelcollapse.theory.symbols import T0, d, k, n, phi0, sigma0, w0_norm

__all__ = ["sigma0_eff", "pooled_noise", "pooled_noise_step", "ols_chain", "projection_bias_isotropic",
           "overparam_isotropic_chain", "fresh_limit_gap", "reduction_derivation"]

sigma0_eff = sp.Symbol(r"\tilde\sigma_0", nonnegative=True)  # the pooled noise level of the reduction
_pooled = sp.Symbol("s", nonnegative=True)  # a running sum of σ0_k²
_sigma0_k = sp.Symbol(r"\sigma_{0,k}", nonnegative=True)  # generation k's noise level (printed in sums over k)
W0 = w0_norm**2

_SOURCE = "THEORY.md 3.10; Dohmatob, Feng & Kempe 2024 (arXiv:2402.07712), Theorem 4.5"
_EXACT_REDUCTION = "exact identity (X⁺XX⁺ = X⁺; Gaussian noise adds): any Σ, w0, design law"
_EXACT_OLS = "exact (Gaussian design, T0 >= d + 2; inverse-Wishart mean)"
_EXACT_ISO = "exact (Gaussian design, Σ = cI, T0 <= d − 2)"


@named_result("reused_pooled_noise", title="Reused design: the pooled noise level of the reduction",
              lhs=r"\tilde\sigma_0^2", provenance=exact(_EXACT_REDUCTION), source=_SOURCE)
def pooled_noise() -> sp.Expr:
    """``σ̃0² = Σ_{k=1}^{n} σ0_k²``: the noise of the one fresh generation that the reused chain equals in law."""
    return sp.Sum(_sigma0_k ** 2, (k, 1, n))


@named_result("reused_pooled_noise_step", title="Reused design: one generation's noise added to the pooled level",
              lhs=r"s_k", args=(_pooled, sigma0), provenance=exact(_EXACT_REDUCTION), source=_SOURCE)
def pooled_noise_step() -> sp.Expr:
    """``s_k = s_{k−1} + σ0_k²`` (``s_0 = 0``, ``s_n = σ̃0²``)."""
    return _pooled + sigma0**2


@named_result("reused_ols_chain", title="Reused design, OLS generators: error of the last generator",
              lhs=r"\mathbb{E}\|\hat w_n - w_0\|_\Sigma^2", args=(n, sigma0, T0, d), provenance=exact(_EXACT_OLS),
              source=_SOURCE)
def ols_chain() -> sp.Expr:
    """``e_n = n σ0² d/(T0 − d − 1)``: ``ŵ_n = w0 + X⁺(ε_1 + … + ε_n)``, ``E tr Σ(XᵀX)⁻¹ = d/(T0 − d − 1)``.

    Equal to ``n`` fresh OLS generations (:func:`reduction_derivation`, step ``ols``).
    """
    return n * sigma0**2 * d / (T0 - d - 1)


@named_result("reused_projection_bias", title="Reused design, minimum-norm generators: projection bias, Σ = I",
              lhs=r"\mathbb{E}\|(I - P_X)w_0\|_\Sigma^2", args=(w0_norm, T0, d), provenance=exact(_EXACT_ISO),
              source=_SOURCE)
def projection_bias_isotropic() -> sp.Expr:
    """``E‖(I − P)w0‖² = (1 − T0/d)‖w0‖² = (1 − 1/φ0)‖w0‖²``, constant in ``n`` (``P`` a uniform rank-``T0`` projection)."""
    return (1 - T0 / d) * W0


@named_result("reused_overparam_isotropic_chain", title="Reused design, minimum-norm generators: error of the last "
              "generator, Σ = I", lhs=r"\mathbb{E}\|\hat w_n - w_0\|_\Sigma^2", args=(w0_norm, n, sigma0, T0, d),
              provenance=exact(_EXACT_ISO), source=_SOURCE)
def overparam_isotropic_chain() -> sp.Expr:
    """``e_n = (1 − T0/d)‖w0‖² + n σ0² T0/(d − T0 − 1)``: bias paid once, noise linear in ``n``.

    ``E tr(XXᵀ)⁻¹ = T0/(d − T0 − 1)`` (inverse Wishart, ``Σ = I``).
    """
    return projection_bias_isotropic() + n * sigma0**2 * T0 / (d - T0 - 1)


@named_result("reused_fresh_gap", title="Fresh minus reused design, minimum-norm generators, σ0 = 0, Σ = I",
              lhs=r"e_n^{\mathrm{fresh}} - e_n^{\mathrm{reused}}", args=(w0_norm, phi0, n), provenance=exact(_EXACT_ISO),
              source=_SOURCE)
def fresh_limit_gap() -> sp.Expr:
    """``(1/φ0 − φ0^(−n))‖w0‖² >= 0``: fresh designs forget the teacher exponentially, a reused one only once."""
    return (1 / phi0 - phi0 ** (-n)) * W0


@register_derivation("derivation_reused_design", derives="reused_overparam_isotropic_chain")
@lru_cache(maxsize=None)
def reduction_derivation() -> Derivation:
    """The reduction of a reused ridgeless chain to one fresh generation, and its two exact cases."""
    w = sp.IndexedBase(r"\hat w")
    P, w0, u_k = sp.Symbol("P"), sp.Symbol("w_0"), sp.Symbol("u_k")
    steps = (
        Step(name="chain", statement="every generation refits the same X on its predecessor's labels plus fresh noise",
             lhs=w[k], rhs=sp.Symbol(r"X^{+}(X\hat w_{k-1} + \sigma_{0,k}\varepsilon_k)")),
        Step(name="unroll", statement="X⁺XX⁺ = X⁺ (Moore–Penrose): later fits keep u_k = X⁺ε_k; P = X⁺X",
             lhs=w[n], rhs=P * w0 + sp.Sum(_sigma0_k * u_k, (k, 1, n))),
        Step(name="pool", statement="independent Gaussian noises add: one fresh generation with noise σ̃₀",
             lhs=sigma0_eff**2, rhs=pooled_noise()),
        Step(name="ols", statement="T0 >= d + 2: X⁺X = I and E tr Σ(XᵀX)⁻¹ = d/(T0 − d − 1); equal σ0_k = σ0",
             lhs=sp.Symbol(r"e_n"), rhs=ols_chain()),
        Step(name="min_norm", statement="T0 <= d − 2, Σ = I: E(I − P) = (1 − T0/d)I, E tr(XXᵀ)⁻¹ = T0/(d − T0 − 1)",
             lhs=sp.Symbol(r"e_n"), rhs=overparam_isotropic_chain(), relation=EQUAL),
    )
    return Derivation(title="Reused design matrix: the chain is one fresh generation with pooled noise",
                      steps=steps, source=_SOURCE)
