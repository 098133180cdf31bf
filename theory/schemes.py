"""Data schemes: accumulate, real/synthetic mixing, real data in every generation (THEORY.md §3.7).

Notation: block ``k`` has ``T0_k`` rows, noise ``σ0_k``, ``r_k = round(f_k T0_k)`` real rows (label
``xᵀw0 + σ0_k ε``) and ``m_k = T0_k − r_k`` synthetic rows (label ``xᵀŵ_{k−1} + σ0_k ε``);
``N_k = Σ_{j≤k} T0_j`` is the pool after ``k`` blocks; ``e_n = E‖ŵ_n − w0‖²_Σ`` the *chain error*;
the downstream has ``m`` synthetic rows of ``T`` (share ``p = m/T``). ``round`` is half up.

Results (each registered, with provenance; derivations and measured accuracy in THEORY.md §3.7):

* accumulate, OLS pool (``T0_1 >= d + 2``): ``Δ_n = Σ_k S_k⁻¹X_kᵀE_k`` (the old blocks' normal
  equations hold at ``ŵ_{k−1}``), terms uncorrelated, and by exchangeability of the pool rows
  ``e_n = d Σ_k σ0_k² T0_k/(N_k(N_k − d − 1))`` — **exact**; ``Cov Δ_n = (e_n/d) Σ⁻¹``, so the
  downstream reduction of §3.2 applies with ``e_n/d`` in place of ``Σ_k σ0_k²/(T0_k − d − 1)``.
* mixing (downstream OLS, ``T >= d + 2``): ``σ² d/(T − d − 1) + g(T, m, d) e_n`` — **exact** for
  any chain (rotation invariance of the whitened design; Haar–Stiefel projection moments).
  Ridge downstream: a **deterministic equivalent** (exchangeability split into diagonal and pair
  terms, leave-one-out for the diagonal one). ``T → ∞`` at fixed ``p``: the floor ``p² e_n``.
* replace with real rows: ``e_k = g(T0_k, m_k, d) e_{k−1} + σ0_k² d/(T0_k − d − 1)`` — **exact**.
* accumulate with real rows: a closed-form recursion, the pooled-chain **deterministic equivalent**
  (:mod:`modelcollapse.theory.pool_chain`) for this scheme (measured within Monte Carlo error).
* accumulate with ``T0_1 < d`` (min-norm on the pool): ``ŵ_n = P_1 w0 + Σ_k S_k⁺X_kᵀE_k`` —
  an exact identity; its terms are the ridgeless bias/variance (exact for ``Σ ∝ I``).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from modelcollapse.theory.derivation import EQUAL, EQUIVALENT, Derivation, Step
from modelcollapse.theory.provenance import asymptotic, equivalent, exact
from modelcollapse.theory.registry import named_result, register_derivation
from modelcollapse.theory.symbols import T0, T, bias_sum, d, df1, df2, k, lam, n, sigma, sigma0

__all__ = [
    "N_pool", "chain_error", "chain_error_prev", "m_syn", "p_share", "r_real", "e_clean", "trace_sym",
    "accumulate_chain_term", "accumulate_chain_sum", "accumulate_chain_equal_blocks", "accumulate_chain_limit",
    "accumulate_chain_limit_small_ratio", "replace_chain_equal_blocks", "chain_downstream_reduction",
    "mixing_pair_moment", "mixing_factor", "mixing_factor_large_T", "mixing_ols_test_error", "mixing_ridge_collapse",
    "mixing_floor_ols", "mixing_floor_ridge", "replace_real_step", "replace_real_stationary",
    "accumulate_real_step", "accumulate_overparam_term", "accumulate_derivation", "mixing_floor_derivation",
]

N_pool = sp.Symbol("N", positive=True, integer=True)  # pool size after k blocks
chain_error = sp.Symbol("e_n", nonnegative=True)  # E‖ŵ_n − w0‖²_Σ
chain_error_prev = sp.Symbol("e_{k-1}", nonnegative=True)
m_syn = sp.Symbol("m", nonnegative=True, integer=True)  # synthetic rows
r_real = sp.Symbol("r", nonnegative=True, integer=True)  # real rows of a block
p_share = sp.Symbol("p", nonnegative=True)  # synthetic share m/T
e_clean = sp.Symbol("E_clean", nonnegative=True)
trace_sym = sp.Symbol("tau", nonnegative=True)  # E tr(AᵀΣAΣ⁻¹) of the downstream smoother
bias1 = sp.Symbol("B_1", nonnegative=True)  # E‖(I − P_1)w0‖²_Σ (first block's ridgeless bias)
pool_variance = sp.Symbol("v_N", nonnegative=True)  # E tr(Σ S_N⁺)
i_sym = sp.Symbol("i", positive=True, integer=True)

_ACC_SOURCE = "THEORY.md 3.7; Gerstgrasser et al. 2024; Dey & Donoho 2024"
_MIX_SOURCE = "THEORY.md 3.7; Dohmatob, Feng, Subramonian & Kempe 2024 (Strong Model Collapse)"


@named_result("accumulate_chain_term", title="Accumulate: chain error added by block k (OLS pool)",
              lhs=r"e_k - e_{k-1}", args=(sigma0, T0, N_pool, d),
              provenance=exact("exact (Gaussian design, OLS pool N_k >= d+2; exchangeability of the pool rows)"),
              source=_ACC_SOURCE)
def accumulate_chain_term() -> sp.Expr:
    """``σ0_k² d T0_k/(N_k(N_k − d − 1))``: block ``k``'s noise through the pool fit, ``E S_k⁻¹ = Σ⁻¹/(N_k − d −
    1)``."""
    return sigma0**2 * d * T0 / (N_pool * (N_pool - d - 1))


@named_result("accumulate_chain_sum", title="Accumulate: chain error after n equal blocks (OLS pool)",
              lhs=r"e_n", provenance=exact("exact (Gaussian design, T0 >= d+2)"), source=_ACC_SOURCE)
def accumulate_chain_sum() -> sp.Expr:
    """``σ0² d Σ_{k=1}^n 1/(k(kT0 − d − 1))`` (printed only; the numeric path sums the terms)."""
    return sigma0**2 * d * sp.Sum(1 / (k * (k * T0 - d - 1)), (k, 1, n))


@named_result("accumulate_chain_equal_blocks", title="Accumulate: closed form for n equal blocks (digamma)",
              lhs=r"e_n", args=(n, sigma0, T0, d), provenance=exact("exact (Gaussian design, T0 >= d+2)"),
              source=_ACC_SOURCE)
def accumulate_chain_equal_blocks() -> sp.Expr:
    """``σ0² d/(d+1) [ψ(n+1−a) − ψ(1−a) − ψ(n+1) + ψ(1)]``, ``a = (d+1)/T0`` (partial fractions of the sum)."""
    a = (d + 1) / T0
    return sigma0**2 * d / (d + 1) * (sp.digamma(n + 1 - a) - sp.digamma(1 - a) - sp.digamma(n + 1) + sp.digamma(1))


@named_result("accumulate_chain_limit", title="Accumulate: chain error as n -> infinity (bounded)",
              lhs=r"e_\infty", args=(sigma0, T0, d), provenance=exact("exact limit (T0 >= d+2)"), source=_ACC_SOURCE)
def accumulate_chain_limit() -> sp.Expr:
    """``σ0² d/(d+1) [ψ(1) − ψ(1 − (d+1)/T0)]``: accumulating keeps the error bounded."""
    return sigma0**2 * d / (d + 1) * (sp.digamma(1) - sp.digamma(1 - (d + 1) / T0))


@named_result("accumulate_chain_limit_small_ratio", title="Accumulate: bounded error for d << T0 (the pi^2/6 pathway)",
              lhs=r"e_\infty", relation=r"\sim", args=(sigma0, T0, d),
              provenance=asymptotic("asymptotic (d/T0 -> 0)"), source=_ACC_SOURCE)
def accumulate_chain_limit_small_ratio() -> sp.Expr:
    """``(π²/6) σ0² d/T0``: ``ψ(1) − ψ(1 − a) ≈ a ψ'(1) = a π²/6`` for small ``a``."""
    return sp.pi**2 / 6 * sigma0**2 * d / T0


@named_result("replace_chain_equal_blocks", title="Replace: chain error after n equal blocks (linear in n)",
              lhs=r"e_n", args=(n, sigma0, T0, d), provenance=exact("exact (Gaussian design, T0 >= d+2)"),
              source="THEORY.md 3.1")
def replace_chain_equal_blocks() -> sp.Expr:
    """``n σ0² d/(T0 − d − 1)``: the paper's chain grows without bound."""
    return n * sigma0**2 * d / (T0 - d - 1)


@named_result("chain_downstream_reduction", title="Downstream on a centred chain with covariance (e_n/d) Sigma^-1",
              lhs=r"E_{\mathrm{test}}", args=(e_clean, chain_error, trace_sym, d),
              provenance=exact("exact reduction (E Δ = 0, Cov Δ = (e_n/d)Σ⁻¹, Δ independent of the downstream data)"),
              source="THEORY.md 3.2, 3.7")
def chain_downstream_reduction() -> sp.Expr:
    """``E_clean + (e_n/d) E tr(AᵀΣAΣ⁻¹)``: exact at ``λ = 0`` (trace ``d``), the trace's DE with ridge."""
    return e_clean + chain_error / d * trace_sym


def mixing_pair_moment(T_: sp.Expr = T, d_: sp.Expr = d) -> sp.Expr:
    """``X = (T−2)(d+2)/((T+2)(T−d−1))``: the factor of the ``m(T−m)`` term of ``g`` (per-row moments ``α = X/T``)."""
    return (T_ - 2) * (d_ + 2) / ((T_ + 2) * (T_ - d_ - 1))


@named_result("mixing_factor", title="Mixing factor of an OLS fit with m synthetic rows of T",
              lhs=r"g(T, m, d)", args=(T, m_syn, d),
              provenance=exact("exact (Gaussian rows, any Sigma, T >= d+2; Haar-Stiefel projection moments)"),
              source=_MIX_SOURCE)
def mixing_factor() -> sp.Expr:
    """``g = m(m−1)/(T(T−1)) + m(T−m)(T−2)(d+2)/(T(T−1)(T+2)(T−d−1))``; ``g(T,T,d) = 1``, ``g(T,0,d) = 0``."""
    return (m_syn * (m_syn - 1) / (T * (T - 1))
            + m_syn * (T - m_syn) / (T * (T - 1)) * mixing_pair_moment())


@named_result("mixing_factor_large_T", title="Mixing factor for large T at fixed synthetic share p",
              lhs=r"g", relation=r"\sim", args=(p_share, T, d),
              provenance=asymptotic("asymptotic (T -> infinity, p = m/T fixed)"),
              source=_MIX_SOURCE)
def mixing_factor_large_T() -> sp.Expr:
    """``p² + p(1 − p)(d + 1)/T``: the synthetic share enters squared (series of ``g(T, pT, d)`` in ``1/T``)."""
    return p_share**2 + p_share * (1 - p_share) * (d + 1) / T


@named_result("mixing_ols_test_error", title="OLS downstream trained on m synthetic rows of T",
              lhs=r"E_{\mathrm{test}}", args=(sigma, T, m_syn, d, chain_error),
              provenance=exact("exact for any chain (Gaussian design, T >= d+2; Δ independent of the downstream data)"),
              source=_MIX_SOURCE)
def mixing_ols_test_error() -> sp.Expr:
    """``σ² d/(T − d − 1) + g(T, m, d) e_n``."""
    return sigma**2 * d / (T - d - 1) + mixing_factor() * chain_error


@named_result("mixing_ridge_collapse", title="Ridge downstream with synthetic share: the collapse term",
              lhs=r"C", relation=r"\simeq", args=(chain_error, m_syn, T, d, df1, df2),
              provenance=equivalent("deterministic equivalent (exact exchangeability split; leave-one-out DE; "
                                    "needs E Δ = 0, Cov Δ ∝ Σ⁻¹)"),
              source=_MIX_SOURCE)
def mixing_ridge_collapse() -> sp.Expr:
    """``(e_n/d)[m(m−1)/(T(T−1)) τ + m(T−m)/(T−1) · d df_2/(T(T − df_2))]``, ``τ = df_2(T+d−2df_1)/(T−df_2)``."""
    tau = df2 * (T + d - 2 * df1) / (T - df2)
    return chain_error / d * (m_syn * (m_syn - 1) / (T * (T - 1)) * tau
                              + m_syn * (T - m_syn) / (T - 1) * d * df2 / (T * (T - df2)))


@named_result("mixing_floor_ols", title="Strong-collapse floor of the OLS downstream (T -> infinity)",
              lhs=r"\lim_{T\to\infty} E_{\mathrm{test}}", args=(p_share, chain_error),
              provenance=asymptotic("exact limit T -> infinity at fixed synthetic share p"), source=_MIX_SOURCE)
def mixing_floor_ols() -> sp.Expr:
    """``p² e_n``: more data cannot remove a fixed synthetic share."""
    return p_share**2 * chain_error


@named_result("mixing_floor_ridge", title="Strong-collapse floor with ridge (T -> infinity, kappa -> lambda)",
              lhs=r"\lim_{T\to\infty} E_{\mathrm{test}}", relation=r"\simeq",
              args=(lam, bias_sum, p_share, chain_error, d, df2),
              provenance=equivalent("deterministic equivalent, T -> infinity at fixed lambda > 0 and p"),
              source=_MIX_SOURCE)
def mixing_floor_ridge() -> sp.Expr:
    """``λ² Σ_j λ_j c_j²/(λ_j+λ)² + p² (e_n/d) df_2(λ)``: ridge shrinks the floor but never removes it."""
    return lam**2 * bias_sum + p_share**2 * chain_error / d * df2


@named_result("replace_real_step", title="Replace with r real rows per block: one generation of the chain",
              lhs=r"e_k", args=(chain_error_prev, T0, m_syn, d, sigma0),
              provenance=exact("exact (Gaussian design, T0_k >= d+2)"), source="THEORY.md 3.7")
def replace_real_step() -> sp.Expr:
    """``e_k = g(T0_k, m_k, d) e_{k−1} + σ0_k² d/(T0_k − d − 1)`` (the block is a mixed OLS fit)."""
    return mixing_factor().subs(T, T0) * chain_error_prev + sigma0**2 * d / (T0 - d - 1)


@named_result("replace_real_stationary", title="Replace with real rows: stationary chain error",
              lhs=r"e_\infty", args=(T0, m_syn, d, sigma0),
              provenance=exact("exact (fixed point of the exact recursion, m < T0)"), source="THEORY.md 3.7")
def replace_real_stationary() -> sp.Expr:
    """``σ0² d/((T0 − d − 1)(1 − g(T0, m, d)))``: a single real row per block stops the growth."""
    return sigma0**2 * d / ((T0 - d - 1) * (1 - mixing_factor().subs(T, T0)))


@named_result("accumulate_real_step", title="Accumulate with r real rows in block k: one generation",
              lhs=r"e_k", relation=r"\simeq", args=(chain_error_prev, r_real, N_pool, T0, d, sigma0),
              provenance=equivalent("deterministic equivalent (the pooled-chain equivalent in closed form; exact at "
                                    "r = 0 and for a pure-real pool; measured within Monte Carlo error, |rel| <= 0.6%, "
                                    "d = 10-100)"),
              source="THEORY.md 3.7 (our result)")
def accumulate_real_step() -> sp.Expr:
    """``(1 − r_k/N_k)(1 − r_k/(N_k − d − 1)) e_{k−1} + σ0_k² d T0_k/(N_k(N_k − d − 1))``.

    The noise term is exact; the propagation factor, first found as the geometric mean of the mean
    contraction ``(1 − r/N)²`` and the effective-dof contraction ``(1 − r/(N − d − 1))²``, is what the
    pooled-chain equivalent (:mod:`modelcollapse.theory.pool_chain`) gives for accumulate with real
    rows: the two agree to 1e-12 (tests/test_pool_chain.py).
    """
    return ((1 - r_real / N_pool) * (1 - r_real / (N_pool - d - 1)) * chain_error_prev
            + accumulate_chain_term())


@named_result("accumulate_overparam_term",
              title="Accumulate with a first block T0_1 < d: block k's noise (min-norm pool)",
              lhs=r"e_n - B_1", args=(sigma0, T0, N_pool, pool_variance),
              provenance=exact("exact identity (min-norm on nested pools); v_N exact for N >= d+2 or Sigma ∝ I, "
                               "a ridgeless deterministic equivalent otherwise"),
              source="THEORY.md 3.7")
def accumulate_overparam_term() -> sp.Expr:
    """``σ0_k² (T0_k/N_k) v(N_k)``, ``v(N) = E tr(Σ S_N⁺)``; ``e_n = E‖(I − P_1)w0‖²_Σ + Σ_k`` these."""
    return sigma0**2 * T0 / N_pool * pool_variance


@register_derivation("derivation_accumulate_chain", derives="accumulate_chain_equal_blocks")
@lru_cache(maxsize=None)
def accumulate_derivation() -> Derivation:
    """Equal blocks: the sum of exact terms, its partial fractions, the digamma closed form and its limit."""
    a = (d + 1) / T0
    term = accumulate_chain_term().subs(N_pool, k * T0)
    summand = sp.apart(1 / (k * (k * T0 - d - 1)), k)
    steps = (
        Step(name="increment", statement="Δ_k = Δ_{k−1} + S_k⁻¹X_kᵀE_k (old blocks' normal equations hold at ŵ_{k−1})",
             lhs=sp.Symbol("e_k") - sp.Symbol("e_{k-1}"), rhs=accumulate_chain_term()),
        Step(name="equal_blocks", statement="equal blocks: N_k = k T0", lhs=sp.Symbol("e_n"),
             rhs=sp.Sum(term, (k, 1, n))),
        Step(name="partial_fractions", statement="partial fractions in k", lhs=sp.Symbol("e_n"),
             rhs=sigma0**2 * d * sp.Sum(summand, (k, 1, n))),
        Step(name="digamma", statement="Σ_{k≤n} 1/(k + c) = ψ(n + 1 + c) − ψ(1 + c)", lhs=sp.Symbol("e_n"),
             rhs=accumulate_chain_equal_blocks()),
        Step(name="limit", statement="n → ∞: ψ(n + 1 − a) − ψ(n + 1) → 0", lhs=sp.Symbol("e_infty"),
             rhs=accumulate_chain_limit()),
        Step(name="small_ratio", statement="a = (d+1)/T0 → 0: ψ(1) − ψ(1 − a) ≈ a π²/6", lhs=sp.Symbol("e_infty"),
             rhs=sp.pi**2 / 6 * sigma0**2 * d * a / (d + 1), relation=EQUIVALENT),
    )
    return Derivation(title="Accumulated data: bounded chain error", steps=steps, source=_ACC_SOURCE)


@register_derivation("derivation_mixing_floor", derives="mixing_floor_ols")
@lru_cache(maxsize=None)
def mixing_floor_derivation() -> Derivation:
    """The exact OLS mixing result, its large-``T`` expansion at fixed ``p`` and the floor."""
    g = mixing_factor()
    expanded = sp.series(g.subs(m_syn, p_share * T), T, sp.oo, 2).removeO()
    steps = (
        Step(name="exact", statement="OLS downstream, m synthetic rows of T (exact)", lhs=sp.Symbol("E_test"),
             rhs=mixing_ols_test_error()),
        Step(name="share", statement="m = pT, T → ∞", lhs=sp.Symbol("g"), rhs=sp.simplify(expanded),
             relation=EQUIVALENT),
        Step(name="floor", statement="σ²d/(T−d−1) → 0 and g → p²", lhs=sp.Symbol("E_infty"), rhs=mixing_floor_ols(),
             relation=EQUAL),
    )
    return Derivation(title="Strong model collapse: a fixed synthetic share leaves a floor", steps=steps,
                      source=_MIX_SOURCE)
