"""Chains of OLS fits on pools of blocks: an operator-valued deterministic equivalent (THEORY.md §3.7).

Our result (no published closed form exists for accumulate-subsample). Whitened designs
``x_m ~ N(0, I_d)``. Row ``m`` of the pool belongs to block ``b_m``; its label error relative to
``w0`` is ``x_mᵀΔ_{src_m} + ε_m`` (``src_m = b_m − 1`` for synthetic rows, none for real rows and
the first block); ``s_{m,k} ∈ {0, 1}`` says whether fit ``k`` selects it. All ``n`` fits are one
linear system in ``u = (Δ_1, …, Δ_n)``:

    L u = v,   L = Σ_m E_m ⊗ x_m x_mᵀ,   E_m = diag(s_m)(I − 1 e_srcᵀ),   v = Σ_m (s_m ⊗ x_m) ε_m,

an ``n × n`` matrix per row tensored with a rank-one ``d × d`` matrix. Woodbury on one row
(``L_{−m}`` independent of ``x_m``; the ``n × n`` quadratic forms ``x_mᵀ(L_{−m}⁻¹)_{kj}x_m``
concentrate on ``χ_kj``) gives ``L⁻¹(I ⊗ x_m) = L_{−m}⁻¹(I ⊗ x_m)(I + E_mχ)⁻¹``, hence the
first-order equation ``E L⁻¹ ≃ Ψ ⊗ I``, ``χ = d'Ψ``,

    Ψ⁻¹ = Σ_m E_s[D_m],   D_m = (I + E_mχ)⁻¹E_m,

and, by the same step on ``L⁻¹(A ⊗ I)L⁻ᵀ``, the second-order equation for ``E[ΔΔᵀ] = Z ⊗ I``:

    Z = Ψ A Ψᵀ + Ψ 𝒯(Z) Ψᵀ,   𝒯(Z) = d' Σ_m E_s[D_m Z D_mᵀ],   A = Σ_m σ_m² E_s[r_m r_mᵀ],
    r_m = (I + E_mχ)⁻¹ s_m,   e_k = d Z_kk.

Asymptotically ``d' = d`` and ``C_m(Z) = d'PZPᵀ`` (``P = I − 1e_sᵀ``, the row's label-error
covariance); ``d' = d + 1`` makes one fit exact (``E tr W⁻¹ = d/(T − d − 1)``). Finite-size source
weights (``pool_source_weight``): ``C_m(Z) = d'Z − W2∘(Z e_s 1ᵀ + 1 e_sᵀ Z) + W1 Z_ss`` with
``W1 = d' + (√(w_k w_l) − d')√((1 − o_ks)(1 − o_ls))``, ``W2 = (d' + W1)/2``: ``w`` makes one fit whose
label sources are independent of its designs exact (the exact mixing moments), ``W2`` keeps ``C``
unchanged when the source is contained in the fit's error (accumulate), and ``o_kj`` (the share of
fit ``j``'s rows fit ``k`` re-uses) switches the weight off for sources fitted on re-used rows. Then
the equations reproduce exactly the replace chain (with real rows too), the accumulate chain and
the accumulate-with-real-rows recursion — checked numerically for unequal blocks and noises. Memberships are independent
across fits with ``P(s_{m,k} = 1) = T0_k/N_k`` for accumulate-subsample (each fit draws its subset
independently, so a row's marginal is exactly this), which makes the expectations causal
recursions: ``y_k = s_k(c_k − Σ_{j<k} χ_kj y_j)/(1 + χ_kk)``.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from modelcollapse.theory.derivation import EQUAL, EQUIVALENT, Derivation, Step
from modelcollapse.theory.provenance import equivalent, exact
from modelcollapse.theory.registry import named_result, register_derivation
from modelcollapse.theory.schemes import mixing_pair_moment
from modelcollapse.theory.symbols import T0, T, d, sigma0

__all__ = ["pool_row_gain", "pool_self_response", "pool_source_weight", "pool_first_order", "pool_label_covariance",
           "pool_second_order",
           "pool_chain_derivation", "POOL_EQUIVALENT"]

q_sym = sp.Symbol("q", nonnegative=True)  # P(the fit selects the row)
N_draw = sp.Symbol("N", positive=True, integer=True)  # rows a fit draws its T rows from
chi_kk = sp.Symbol(r"\chi_{kk}", nonnegative=True)
_n = sp.Symbol("n_g", positive=True, integer=True)  # matrix size (printed as n)
Psi = sp.MatrixSymbol("Psi", _n, _n)
Chi = sp.MatrixSymbol("chi", _n, _n)
Z_mat = sp.MatrixSymbol("Z", _n, _n)
A_src = sp.MatrixSymbol("A", _n, _n)
T_of_Z = sp.MatrixSymbol("T(Z)", _n, _n)  # 𝒯(Z) = Σ_m E[D_m C_m(Z) D_mᵀ]
ED = sp.MatrixSymbol("M", _n, _n)  # Σ_m E[D_m]
E_row = sp.MatrixSymbol("E_m", _n, _n)
C_m = sp.MatrixSymbol("C_m", _n, _n)  # C_m(Z)
W1_mat = sp.MatrixSymbol("W_1", _n, _n)
W2_mat = sp.MatrixSymbol("W_2", _n, _n)
Zs_mat = sp.MatrixSymbol("S_s", _n, _n)  # Z e_s 1ᵀ + 1 e_sᵀ Z
Z_ss = sp.Symbol("Z_ss", nonnegative=True)
x_outer = sp.MatrixSymbol("X_m", d, d)  # x_m x_mᵀ
Id = sp.Identity(_n)

_SOURCE = "THEORY.md 3.7 (our result: operator-valued deterministic equivalent of pooled OLS chains)"
POOL_EQUIVALENT = equivalent("deterministic equivalent (operator-valued, row-by-row Woodbury, finite-size source "
                             "weights from exact one-fit moments; exact for replace and accumulate)")


@named_result("pool_self_response", title="Pooled chain: self-response of a fit on T0 rows",
              lhs=r"\chi_{kk}", args=(T0, d), provenance=POOL_EQUIVALENT, source=_SOURCE)
def pool_self_response() -> sp.Expr:
    """``(d + 1)/(T0 − d − 1)``: ``χ_kk = d'/(T0_k − d')`` from the ``k``-th diagonal of the first-order equation."""
    return (d + 1) / (T0 - d - 1)


@named_result("pool_row_gain", title="Pooled chain: gain of a row's causal recursion",
              lhs=r"\mathbb{E}\,[s_k]/(1 + \chi_{kk})", args=(q_sym, chi_kk), provenance=POOL_EQUIVALENT,
              source=_SOURCE)
def pool_row_gain() -> sp.Expr:
    """``q/(1 + χ_kk)``: ``y_k = s_k (c_k − Σ_{j<k} χ_kj y_j)/(1 + χ_kk)`` averaged over ``s_k``."""
    return q_sym / (1 + chi_kk)


@named_result("pool_source_weight",
              title="Pooled chain: finite-size weight of a label source in a fit of T rows drawn from N",
              lhs=r"w", args=(T, N_draw, d),
              provenance=exact("exact one-fit moments (Gaussian rows, label sources independent of the fit's designs, "
                               "T rows drawn uniformly from N)"),
              source=_SOURCE + "; exact mixing moments of THEORY.md 3.7")
def pool_source_weight() -> sp.Expr:
    """``(T − d − 1) X_eff``, ``X_eff = X − (1 − X)/(N − 1)``, ``X = (T−2)(d+2)/((T+2)(T−d−1))``.

    One OLS fit whose rows carry label errors ``x_mᵀu_m`` from sources independent of its designs
    has ``E‖Δ‖² = ‖ū‖² + X_eff Var_rows(u)`` exactly (the per-row moments of the mixing factor, with
    the hypergeometric composition of ``T`` rows drawn from ``N``). The first-order equations give
    ``d'/(T − d − 1)`` in place of ``X_eff``; ``w`` replaces ``d'`` in the source terms of ``C_m``.
    """
    X = mixing_pair_moment()
    return (T - d - 1) * (X - (1 - X) / (N_draw - 1))


@named_result("pool_first_order", title="Pooled chain: first-order (operator-valued) equation",
              lhs="", provenance=POOL_EQUIVALENT, source=_SOURCE)
def pool_first_order() -> sp.Eq:
    """``χ M = d' I``, ``M = Σ_m E[D_m]``, ``D_m = (I + E_m χ)⁻¹E_m`` (printed only; solved row by row)."""
    return sp.Eq(sp.MatMul(Chi, ED), (d + 1) * Id)


@named_result("pool_label_covariance",
              title="Pooled chain: label-error covariance of a synthetic row (finite-size weights)",
              lhs="", provenance=POOL_EQUIVALENT, source=_SOURCE)
def pool_label_covariance() -> sp.Eq:
    """``C_m(Z) = d'Z − W2∘S_s + W1 Z_ss``, ``S_s = Z e_s 1ᵀ + 1 e_sᵀ Z`` (printed only; ``W1 = W2 = d'`` is
    ``d'PZPᵀ``)."""
    return sp.Eq(C_m, (d + 1) * Z_mat - sp.HadamardProduct(W2_mat, Zs_mat) + Z_ss * W1_mat)


@named_result("pool_second_order", title="Pooled chain: second-order equation for the chain covariances",
              lhs="", provenance=POOL_EQUIVALENT, source=_SOURCE)
def pool_second_order() -> sp.Eq:
    """``Z = Ψ A Ψᵀ + Ψ 𝒯(Z) Ψᵀ``, ``𝒯(Z) = Σ_m E[D_m C_m(Z) D_mᵀ]``, ``e_k = d Z_kk`` (printed only)."""
    return sp.Eq(Z_mat, Psi * A_src * Psi.T + Psi * T_of_Z * Psi.T)


def _positive_denominator(expr: sp.Expr) -> sp.Expr:
    """``(−a)/(−b)`` printed as ``a/b`` (SymPy's solve returns the first)."""
    num, den = sp.fraction(sp.cancel(expr))
    return sp.expand(-num) / sp.expand(-den) if sp.expand(den).coeff(T0) < 0 else expr


@register_derivation("derivation_pool_chain", derives="pool_second_order")
@lru_cache(maxsize=None)
def pool_chain_derivation() -> Derivation:
    """The equations, then one fit (``n = 1``) solved in closed form: the exact OLS chain error."""
    chi1 = sp.Symbol("chi_1", positive=True)
    dp = d + 1
    # n = 1: every row is selected (s = 1, E = 1): Ψ⁻¹ = T0/(1 + χ), χ = d'Ψ.
    chi_one = sp.solve(sp.Eq(chi1, dp * (1 + chi1) / T0), chi1)[0]
    psi_one = sp.simplify(chi_one / dp)
    r_one = 1 / (1 + chi_one)
    A_one = sigma0**2 * T0 * r_one**2
    z = sp.Symbol("z", positive=True)
    z_one = sp.solve(sp.Eq(z, psi_one**2 * A_one + psi_one**2 * dp * T0 * r_one**2 * z), z)[0]
    steps = (
        Step(name="system",
             statement="all fits at once: L u = v, L = Σ_m L_m, L_m = kron(E_m, X_m) per row, X_m = x_m x_mᵀ, E_m = "
                       "diag(s_m)(I − 1e_srcᵀ)",
             lhs=sp.Symbol("L_m"), rhs=sp.kronecker_product(E_row, x_outer)),
        Step(name="first_order",
             statement="Woodbury on one row; x_mᵀ(L_{−m}⁻¹)_{kj} x_m → χ_kj (concentration); M = Σ_m E[D_m]",
             lhs=pool_first_order().lhs, rhs=pool_first_order().rhs, relation=EQUIVALENT),
        Step(name="second_order",
             statement="the same step on L⁻¹ kron(A, I) L⁻ᵀ; E[ΔΔᵀ] = kron(Z, I), T(Z) = Σ_m E[D_m C_m(Z) D_mᵀ], "
                       "e_k = d Z_kk",
             lhs=pool_second_order().lhs, rhs=pool_second_order().rhs, relation=EQUIVALENT),
        Step(name="source_weights", statement="finite size: the row's label-error covariance with the exact one-fit "
                                               "weights w (pool_source_weight), S_s = Z e_s 1ᵀ + 1 e_sᵀ Z; W1 = W2 = "
                                               "d' is d'PZPᵀ",
             lhs=pool_label_covariance().lhs, rhs=pool_label_covariance().rhs, relation=EQUIVALENT),
        Step(name="one_fit_kappa", statement="n = 1, d' = d + 1: χ = d'(1 + χ)/T0", lhs=chi1,
             rhs=_positive_denominator(chi_one),
             relation=EQUAL),
        Step(name="one_fit_error", statement="n = 1: e_1 = d z, the exact OLS error σ0² d/(T0 − d − 1)",
             lhs=sp.Symbol("e_1"), rhs=_positive_denominator(d * z_one), relation=EQUAL),
    )
    return Derivation(title="Pooled OLS chains (replace, accumulate, accumulate-subsample): operator-valued "
                            "deterministic equivalent", steps=steps, source=_SOURCE)
